"""The residents' home page: Chinese by default, no redirect, the street's own hotline."""

from guanjia.testing import factories as f


def test_home_is_chinese_without_redirect_and_shows_the_hotline(client, db):
    street = f.StreetFactory(code="hb", name="湖滨街道")
    street.hotline = "0571-87001234"
    street.save()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "坏了有保修" in html
    assert "湖滨街道" in html and 'href="tel:0571-87001234"' in html


def test_home_in_english_when_asked(client, db):
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "Broken? Repairs are here" in response.content.decode()
