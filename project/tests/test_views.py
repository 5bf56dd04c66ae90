"""The project's own views: the favicon browsers ask for on their own."""

from http import HTTPStatus

import pytest
from django.templatetags.static import static
from django.urls import reverse


def test_favicon_ico_leads_to_the_sites_icon(client, caplog):
    response = client.get("/favicon.ico")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == static("favicon.ico")
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == HTTPStatus.OK
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert not [record for record in caplog.records if record.levelname == "WARNING"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["home", "login", "admin:login"])
def test_every_base_template_names_the_icon(client, page):
    body = client.get(reverse(page)).content.decode()
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in body
