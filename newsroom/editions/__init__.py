"""The editions beside the site and the email: the print edition with its 数字报 page view,
and the 公众号 (WeChat Official Account) edition of an article, with the site information
they print."""
