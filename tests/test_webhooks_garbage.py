"""The providers' webhooks, reached with the right credentials and a body that is not theirs."""
import base64

import pytest

pytestmark = pytest.mark.django_db

SECRET = "hook:s3cret"


class TestAmazonSesGarbage:
    @pytest.mark.parametrize("body", [b"", b"garbage", b"{}", b'{"Type": "Nonsense"}', b"\xff\xfe"])
    def test_a_body_that_is_not_an_sns_message_is_a_400(self, client, settings, body):
        settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
        response = client.post(
            "/anymail/amazon_ses/tracking/", data=body, content_type="application/json",
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(SECRET.encode()).decode(),
        )
        assert response.status_code == 400
