"""The emulator speaks the Webservice's parameters, shapes and errors (Flask test client)."""

import base64
import json

import defusedxml.ElementTree as SafeET
import pytest
from connect_prestashop_emulator import DEMO_KEY, create_app
from connect_prestashop_emulator.__main__ import main as emulator_main

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{DEMO_KEY}:".encode()).decode()}


@pytest.fixture(scope="module")
def client():
    return create_app(products=20, orders=10, seed=5).test_client()


def get(client, path, **params):
    params.setdefault("output_format", "JSON")
    response = client.get(path, query_string=params, headers=AUTH)
    return response, (
        json.loads(response.data)
        if response.data and response.content_type == "application/json"
        else None
    )


def test_lists_wrap_rows_and_ids_only_without_display(client):
    _, body = get(client, "/api/products", limit="0,3")
    assert body == {"products": [{"id": 1}, {"id": 2}, {"id": 3}]}
    _, body = get(client, "/api/products", display="[id,reference]", limit="2,2")
    assert body == {
        "products": [{"id": 3, "reference": "PS00003"}, {"id": 4, "reference": "PS00004"}]
    }


def test_an_empty_filtered_list_is_a_bare_json_array(client):
    response, _ = get(client, "/api/products", **{"filter[id]": "[9999]"})
    assert response.data == b"[]"


def test_filter_forms(client):
    def ids(**filters):
        _, body = get(client, "/api/products", display="[id]", **filters)
        return [r["id"] for r in body["products"]] if isinstance(body, dict) else []

    assert ids(**{"filter[id]": "[2|5|7]"}) == [2, 5, 7]
    assert ids(**{"filter[id]": "[3,6]"}) == [3, 4, 5, 6]
    assert ids(**{"filter[reference]": "[ps00004]"}) == [4]  # case-insensitive literal
    assert ids(**{"filter[reference]": "[PS0001]%"}) == list(range(10, 20))
    assert ids(**{"filter[reference]": "%[9]"}) == [9, 19]
    assert ids(**{"filter[reference]": "%[0001]%"}) == [1, *range(10, 20)]


def test_date_filters_and_sorts_need_date_1(client):
    response, body = get(client, "/api/orders", **{"filter[date_upd]": "[2025-01-01,2030-01-01]"})
    assert response.status_code == 400 and body["errors"][0]["code"] == 32
    response, body = get(client, "/api/orders", sort="[date_upd_DESC]")
    assert response.status_code == 400 and body["errors"][0]["code"] == 38
    _, body = get(
        client,
        "/api/orders",
        display="[id,date_upd]",
        sort="[date_upd_DESC,id_ASC]",
        date="1",
        **{"filter[date_upd]": "[2025-01-01 00:00:00,2030-01-01 00:00:00]"},
    )
    dates = [o["date_upd"] for o in body["orders"]]
    assert len(dates) == 10 and dates == sorted(dates, reverse=True)


def test_parameter_errors(client):
    assert get(client, "/api/products", limit="1,2,3")[1]["errors"][0]["code"] == 39
    assert get(client, "/api/products", sort="[id]")[1]["errors"][0]["code"] == 37
    assert get(client, "/api/products", display="[nope]")[1]["errors"][0]["code"] == 35
    assert get(client, "/api/products", display="nope")[1]["errors"][0]["code"] == 36
    response, body = get(client, "/api/prodcuts")
    assert response.status_code == 400 and body["errors"][0]["code"] == 27
    assert "products" in body["errors"][0]["message"]


def test_single_objects(client):
    response, body = get(client, "/api/products/1")
    assert set(body) == {"product"}
    assert "isbn" not in body["product"]  # 8.1 drops falsy fields of a single object
    _, body = get(client, "/api/products/1", display="full")
    assert body["products"][0]["isbn"] == ""  # with display: the list shape, all fields
    response, _ = get(client, "/api/products/9999")
    assert response.status_code == 404 and response.data == b""


def test_i18n_fields_and_the_language_parameter(client):
    _, body = get(client, "/api/products", display="[id,name]", limit="1")
    assert [v["id"] for v in body["products"][0]["name"]] == ["1", "2"]
    _, body = get(client, "/api/products", display="[id,name]", limit="1", language="2")
    assert isinstance(body["products"][0]["name"], str)


def test_xml_is_the_default_output(client):
    response = client.get("/api/stock_availables/1", headers=AUTH)
    assert response.content_type.startswith("text/xml")
    assert b"<![CDATA[" in response.data
    root = SafeET.fromstring(response.data)
    assert root.find("stock_available/id").text == "1"


def test_authentication_errors(client):
    response = client.get("/api/products")
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    assert b"<code><![CDATA[16]]></code>" in response.data
    assert "PSWS-Version" not in response.headers
    response = client.get("/api/products", headers=AUTH)
    assert response.headers["PSWS-Version"] == "8.1.7"


def test_writes_take_xml_and_put_nulls_missing_fields():
    app = create_app(products=3, orders=1, seed=1)
    client = app.test_client()
    row = app.config["EMULATOR"].store["stock_availables"].rows[1]
    row["location"] = "A1"
    xml = (
        "<prestashop><stock_available><id>1</id><id_product>1</id_product>"
        "<id_product_attribute>0</id_product_attribute><quantity>5</quantity>"
        "<depends_on_stock>0</depends_on_stock><out_of_stock>2</out_of_stock>"
        "</stock_available></prestashop>"
    )
    assert client.put("/api/stock_availables/1", data=xml, headers=AUTH).status_code == 200
    assert row["quantity"] == "5" and row["location"] is None
    patch = (
        "<prestashop><stock_available><id>1</id><quantity>6</quantity></stock_available>"
        "</prestashop>"
    )
    assert client.patch("/api/stock_availables/1", data=patch, headers=AUTH).status_code == 200
    assert row["quantity"] == "6" and row["id_product"] == "1"
    response = client.put("/api/stock_availables/1", data='{"quantity": 1}', headers=AUTH)
    assert response.status_code == 500 and b"<![CDATA[127]]>" in response.data
    assert b"String could not be parsed as XML" in response.data
    response = client.put("/api/stock_availables/1", data=patch, headers=AUTH)
    assert response.status_code == 400 and b"required" in response.data
    response = client.post("/api/stock_availables", data=patch, headers=AUTH)
    assert response.status_code == 405


def test_prestashop_17_has_no_patch():
    client = create_app(products=2, orders=1, version="1.7.8.11").test_client()
    patch = (
        "<prestashop><stock_available><id>1</id><quantity>6</quantity></stock_available>"
        "</prestashop>"
    )
    response = client.patch("/api/stock_availables/1", data=patch, headers=AUTH)
    assert response.status_code == 405


def test_the_resource_list_shows_the_key_permissions(client):
    response = client.get("/api/", headers=AUTH)
    root = SafeET.fromstring(response.data)
    api = root.find("api")
    assert api.get("shopName") == "Hub Demo Shop"
    assert api.find("stock_availables").get("post") == "false"  # forbidden for every key
    assert api.find("stock_availables").get("patch") == "true"
    assert client.get("/api/?output_format=JSON", headers=AUTH).status_code == 500


def test_images_are_real_pngs(client):
    response = client.get("/api/images/products/1", headers=AUTH)
    image_id = SafeET.fromstring(response.data).find("image/declination").get("id")
    response = client.get(f"/api/images/products/1/{image_id}", headers=AUTH)
    assert response.content_type == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n") and response.data.endswith(
        b"IEND\xaeB`\x82"
    )
    assert client.get(f"/api/images/products/1/{image_id}").status_code == 401


def test_seeding_is_deterministic():
    first = create_app(products=15, orders=8, seed=9).test_client()
    second = create_app(products=15, orders=8, seed=9).test_client()
    path = "/api/combinations?output_format=JSON&display=full"
    assert first.get(path, headers=AUTH).data == second.get(path, headers=AUTH).data
    path = "/api/orders?output_format=JSON&display=full"
    assert first.get(path, headers=AUTH).data == second.get(path, headers=AUTH).data


def test_state_reset_and_the_command_line(client, capsys):
    app = create_app(products=4, orders=2)
    c = app.test_client()
    c.post("/_emulator/products", json={"reference": "NEW"})
    assert c.get("/_emulator/state").json["products"] == 5
    c.post("/_emulator/reset")
    assert c.get("/_emulator/state").json["products"] == 4
    with pytest.raises(SystemExit):
        emulator_main(["--help"])
    assert "--products" in capsys.readouterr().out
