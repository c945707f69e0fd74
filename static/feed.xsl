<?xml version="1.0" encoding="utf-8"?>
<!-- Shows the site's Atom feeds as a page when a person opens one in a browser; feed readers
     ignore it. Only the site's own stylesheets are linked: the feed's Content-Security-Policy
     allows no inline style, and nothing is loaded from elsewhere. Texts are copied with
     value-of, never disable-output-escaping, so a headline can never become markup. -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:atom="http://www.w3.org/2005/Atom"
                exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/atom:feed">
    <html lang="zh-Hans">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="atom:title"/> · Atom 订阅源</title>
        <link rel="stylesheet" href="/static/css/site.css"/>
        <link rel="stylesheet" href="/static/css/cjk-punctuation.css"/>
      </head>
      <body class="feed-page">
        <header class="masthead">
          <div class="masthead__inner feed-page__masthead">
            <a class="masthead__title" href="{atom:link[@rel='alternate']/@href}">
              <xsl:value-of select="atom:title"/>
            </a>
          </div>
        </header>
        <main id="main" class="page">
          <section class="feed-intro" aria-labelledby="feed-intro-title">
            <h1 id="feed-intro-title" class="page-title">这是一个 Atom 订阅源</h1>
            <p>
              订阅源供阅读器使用：把本页地址复制到 RSS/Atom 阅读器（如 Feedly、Inoreader、NetNewsWire）
              的“添加订阅”中，有新文章时阅读器会自动收到。
            </p>
            <p class="feed-intro__address">
              <span>本订阅源地址：</span>
              <code><xsl:value-of select="atom:link[@rel='self']/@href"/></code>
            </p>
            <p>
              想用电子邮件接收每期通讯？请前往<a href="/subscribe/">邮件订阅</a>页面。
            </p>
          </section>
          <section aria-labelledby="feed-entries-title">
            <h2 id="feed-entries-title" class="section-title">最新文章</h2>
            <xsl:choose>
              <xsl:when test="atom:entry">
                <xsl:apply-templates select="atom:entry"/>
              </xsl:when>
              <xsl:otherwise>
                <p class="empty">暂无文章。</p>
              </xsl:otherwise>
            </xsl:choose>
          </section>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article class="card feed-entry">
      <h3 class="card__headline">
        <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      </h3>
      <xsl:if test="atom:summary">
        <p class="card__excerpt"><xsl:call-template name="html-text"><xsl:with-param name="html" select="atom:summary"/></xsl:call-template></p>
      </xsl:if>
      <p class="card__meta">
        <!-- The date part of RFC 3339: the feed writes the time in Beijing (+08:00). -->
        <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
        <xsl:if test="atom:author/atom:name">
          <span><xsl:value-of select="atom:author/atom:name"/></span>
        </xsl:if>
      </p>
    </article>
  </xsl:template>

  <!-- A summary is type="html": plain text escaped once by the site (newsroom/site/feeds.py),
       as a feed reader expects. Shown here as the reader shows it: those five entities undone,
       &amp; last, and the result still written out as text. -->
  <xsl:template name="html-text">
    <xsl:param name="html"/>
    <xsl:variable name="lt"><xsl:call-template name="replace"><xsl:with-param name="text" select="$html"/><xsl:with-param name="from" select="'&amp;lt;'"/><xsl:with-param name="to" select="'&lt;'"/></xsl:call-template></xsl:variable>
    <xsl:variable name="gt"><xsl:call-template name="replace"><xsl:with-param name="text" select="string($lt)"/><xsl:with-param name="from" select="'&amp;gt;'"/><xsl:with-param name="to" select="'&gt;'"/></xsl:call-template></xsl:variable>
    <xsl:variable name="quot"><xsl:call-template name="replace"><xsl:with-param name="text" select="string($gt)"/><xsl:with-param name="from" select="'&amp;quot;'"/><xsl:with-param name="to" select="'&quot;'"/></xsl:call-template></xsl:variable>
    <xsl:variable name="apos"><xsl:call-template name="replace"><xsl:with-param name="text" select="string($quot)"/><xsl:with-param name="from" select="'&amp;#x27;'"/><xsl:with-param name="to">'</xsl:with-param></xsl:call-template></xsl:variable>
    <xsl:call-template name="replace"><xsl:with-param name="text" select="string($apos)"/><xsl:with-param name="from" select="'&amp;amp;'"/><xsl:with-param name="to" select="'&amp;'"/></xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="substring-before($text, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
