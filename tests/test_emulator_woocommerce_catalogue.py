"""Store emulator: the WooCommerce catalogue and customer writes (#15) over HTTP.

Categories, brands, global attributes and their terms, products with images downloaded from
URLs, variations and customers, checked against the answer shapes in
``tests/fixtures/catalogue/woocommerce/``. Pure pytest: no Odoo.
"""

import json
import pathlib
import socket
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from store_emulator import EmulatorServer

AUTH = ("ck_demo", "cs_demo")
FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "catalogue" / "woocommerce"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


def keys(obj: dict) -> set:
    return set(obj) - {"_links"}


def _png() -> bytes:
    """A real 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
FILES = {
    "/img/red.png": PNG,
    "/img/photo.jpg": JPEG,
    "/img/red-png-named.jpg": PNG,  # the extension says JPEG, the bytes are a PNG
    "/img/noext": PNG,
    "/img/notes.jpg": b"these are not the bytes of an image",
}


class _Images(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        self.server.hits.append(self.path)
        data = FILES.get(path)
        if data is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def images():
    """A tiny local HTTP server with the files above; ``hits`` lists the paths asked for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(platform="woocommerce", seed=3, orders=5, products=8) as emu:
        emu.initial = emu.store.snapshot()
        yield emu


@pytest.fixture
def emu(server):
    """The module's store, back to its start for every test (snapshot/restore)."""
    server.store.restore(server.initial)
    server.clear_request_log()
    return server


def api(emu, path, method="GET", **kwargs):
    return requests.request(
        method, f"{emu.url}/wp-json/wc/v3/{path}", auth=AUTH, timeout=15, **kwargs
    )


def received(emu, kind):
    return [e for e in emu.store.received if e["kind"] == kind]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------- categories
def test_category_tree_and_term_exists(emu):
    body = fixture("category_create.request.json") | {"name": "Outdoor"}
    r = api(emu, "products/categories", "POST", json=body)
    assert r.status_code == 201, r.text
    outdoor = r.json()
    assert keys(outdoor) == keys(fixture("category_create.response.json"))
    assert (outdoor["name"], outdoor["slug"], outdoor["parent"]) == ("Outdoor", "outdoor", 0)
    assert outdoor["image"] is None and outdoor["count"] == 0  # the image is not fetched
    assert r.headers["Location"].endswith(f"/wp-json/wc/v3/products/categories/{outdoor['id']}")

    body = {"name": "Tents", "parent": outdoor["id"]}
    tents = api(emu, "products/categories", "POST", json=body).json()
    assert (tents["slug"], tents["parent"]) == ("tents", outdoor["id"])
    assert tents["_links"]["up"][0]["href"].endswith(f"categories/{outdoor['id']}")
    again = api(emu, "products/categories", "POST", json=body)
    expected = fixture("category_create_exists.response.json")
    expected["data"]["resource_id"] = tents["id"]
    assert (again.status_code, again.json()) == (400, expected)

    # The seeded tree has Clothing > T-shirts: creating them again names the existing ids.
    clothing = next(c for c in emu.store.categories.values() if c["name"] == "Clothing")
    shirts = next(c for c in emu.store.categories.values() if c["name"] == "T-shirts")
    r = api(emu, "products/categories", "POST", json=fixture("category_create.request.json"))
    assert r.status_code == 400 and r.json()["data"]["resource_id"] == clothing["id"]
    body = fixture("category_create_child.request.json") | {"parent": clothing["id"]}
    assert (
        api(emu, "products/categories", "POST", json=body).json()["data"]["resource_id"]
        == shirts["id"]
    )

    # The same name under another parent is a new term, with a slug of its own.
    r = api(emu, "products/categories", "POST", json={"name": "T-shirts", "parent": outdoor["id"]})
    assert r.status_code == 201 and r.json()["slug"] == "t-shirts-outdoor"
    missing = api(emu, "products/categories", "POST", json={"name": "X", "parent": 999999})
    assert missing.status_code == 404 and missing.json()["code"] == "woocommerce_rest_term_invalid"
    no_name = api(emu, "products/categories", "POST", json={})
    assert no_name.json()["code"] == "rest_missing_callback_param"

    # Lookups: search in the name, parent.
    found = api(emu, "products/categories", params={"search": "t-sh", "parent": clothing["id"]})
    assert [c["id"] for c in found.json()] == [shirts["id"]]
    assert found.headers["X-WP-Total"] == "1"
    found = api(emu, "products/categories", params={"search": "tent"})
    assert [c["id"] for c in found.json()] == [tents["id"]]

    renamed = api(emu, f"products/categories/{tents['id']}", "PUT", json={"name": "Camping"}).json()
    assert (renamed["name"], renamed["slug"], renamed["parent"]) == (
        "Camping",
        "tents",
        outdoor["id"],
    )
    assert len(received(emu, "category_create")) == 8
    assert [e["status"] for e in received(emu, "category_update")] == [200]


def test_category_batch_limit_and_item_errors(emu):
    too_many = {"create": [{"name": f"Cat {n}"} for n in range(101)]}
    r = api(emu, "products/categories/batch", "POST", json=too_many)
    assert (r.status_code, r.json()) == (413, fixture("batch_too_large.response.json"))
    assert not [c for c in emu.store.categories.values() if c["name"].startswith("Cat ")]

    home = api(emu, "products/categories", "POST", json={"name": "Home"}).json()
    r = api(
        emu,
        "products/categories/batch",
        "POST",
        json={
            "create": [{"name": "Garden"}, {"name": "Home"}, {}],
            "update": [{"id": home["id"], "description": "All for the home"}, {"id": 999999}],
        },
    )
    assert r.status_code == 200
    create = r.json()["create"]
    assert create[0]["name"] == "Garden" and create[0]["id"]
    assert create[1] == {
        "id": 0,
        "error": {
            "code": "term_exists",
            "message": "A term with the name provided already exists with this parent.",
            "data": {"status": 400, "resource_id": home["id"]},
        },
    }
    assert create[2]["error"]["code"] == "empty_term_name"
    update = r.json()["update"]
    assert update[0]["description"] == "All for the home"
    assert (
        update[1]["id"] == 999999 and update[1]["error"]["code"] == "woocommerce_rest_term_invalid"
    )


# ---------------------------------------------------------------------- products
def test_product_batch_with_a_duplicate_sku_fails_that_item_only(emu):
    owner = next(p for p in emu.store.products.values() if p["sku"])
    body = {
        "create": [
            {"name": "First", "sku": "NEW-1", "regular_price": "10.00"},
            {"name": "Copy", "sku": owner["sku"], "regular_price": "11.00"},
            {"name": "Third", "sku": "NEW-3", "regular_price": "12.00"},
        ],
        "update": [{"id": 123456, "name": "Nobody"}],
    }
    r = api(emu, "products/batch", "POST", json=body)
    assert r.status_code == 200
    create = r.json()["create"]
    assert [c.get("sku") for c in create] == ["NEW-1", None, "NEW-3"]
    assert create[1] == {
        "id": 0,
        "error": {
            "code": "product_invalid_sku",
            "message": "Invalid or duplicated SKU.",
            "data": {"status": 400, "resource_id": owner["id"], "unique_sku": owner["sku"]},
        },
    }
    assert (
        r.json()["update"][0]["error"]
        == fixture("products_batch_item_error.response.json")["update"][0]["error"]
    )
    assert not [p for p in emu.store.products.values() if p["name"] == "Copy"]
    # The exact SKU lookup finds the new ones.
    found = api(emu, "products", params={"sku": "NEW-3"}).json()
    assert [p["name"] for p in found] == ["Third"]
    assert len(received(emu, "product_batch")) == 1


def test_simple_product_shape_and_partial_updates(emu):
    cat = api(emu, "products/categories", "POST", json={"name": "Outlet"}).json()
    body = {
        "name": "Premium Quality",
        "type": "simple",
        "status": "draft",
        "catalog_visibility": "hidden",
        "regular_price": "21.99",
        "description": "Line one\nline two",
        "short_description": "<p>Short</p>",
        "categories": [{"id": cat["id"]}, {"id": 999999}],
        "meta_data": [{"key": "_odoo_id", "value": "42"}],
    }
    r = api(emu, "products", "POST", json=body)
    assert r.status_code == 201, r.text
    product = r.json()
    assert keys(fixture("product_create_simple.response.json")) <= keys(product)
    assert product["description"] == "<p>Line one<br />\nline two</p>\n"
    assert product["short_description"] == "<p>Short</p>\n"
    assert product["categories"] == [{"id": cat["id"], "name": "Outlet", "slug": "outlet"}]
    assert (product["status"], product["catalog_visibility"], product["price"]) == (
        "draft",
        "hidden",
        "21.99",
    )
    meta = product["meta_data"]
    assert len(meta) == 1 and meta[0]["id"] and meta[0]["key"] == "_odoo_id"

    pid = product["id"]
    r = api(emu, f"products/{pid}", "PUT", json=fixture("product_update_identity.request.json"))
    after = r.json()
    assert (after["sku"], after["global_unique_id"], after["weight"]) == (
        "TSHIRT-BLK-S",
        "5901234567890",
        "0.25",
    )
    assert after["dimensions"] == {"length": "30", "width": "20", "height": "2"}
    untouched = ("name", "status", "regular_price", "description", "categories", "meta_data")
    assert {k: after[k] for k in untouched} == {k: product[k] for k in untouched}

    r = api(
        emu, f"products/{pid}", "PUT", json={"dimensions": {"height": "3"}, "status": "publish"}
    )
    assert r.json()["dimensions"] == {"length": "30", "width": "20", "height": "3"}
    r = api(emu, f"products/{pid}", "PUT", json=fixture("product_update_stock.request.json"))
    stock = r.json()
    assert (stock["manage_stock"], stock["stock_quantity"], stock["stock_status"]) == (
        True,
        7,
        "instock",
    )
    r = api(emu, f"products/{pid}", "PUT", json=fixture("product_update_sale_dated.request.json"))
    assert (
        r.json()["sale_price"] == "17.99" and r.json()["date_on_sale_to"] == "2026-12-24T23:59:59"
    )
    r = api(
        emu,
        f"products/{pid}",
        "PUT",
        json={"meta_data": [{"id": meta[0]["id"], "key": "_odoo_id", "value": "43"}]},
    )
    assert r.json()["meta_data"] == [{"id": meta[0]["id"], "key": "_odoo_id", "value": "43"}]

    # The barcode is unique like the SKU.
    other = api(emu, "products", "POST", json={"name": "Other"}).json()
    r = api(emu, f"products/{other['id']}", "PUT", json={"global_unique_id": "5901234567890"})
    assert (r.status_code, r.json()) == (
        400,
        {
            "code": "product_invalid_global_unique_id",
            "message": "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
            "data": {"status": 400, "resource_id": pid},
        },
    )
    bad = api(emu, f"products/{pid}", "PUT", json={"status": "hidden"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    assert [e["status"] for e in received(emu, "product_update")] == [
        200,
        200,
        200,
        200,
        200,
        400,
        400,
    ]


# ---------------------------------------------------------------------- brands
def test_brands_and_a_store_without_them(emu):
    r = api(emu, "products/brands", "POST", json=fixture("brand_create.request.json"))
    assert r.status_code == 201
    nike = r.json()
    assert keys(nike) == keys(fixture("brand_create.response.json"))
    assert (nike["slug"], nike["description"]) == ("nike", "This is the Nike brand.")
    again = api(emu, "products/brands", "POST", json={"name": "Nike"})
    assert again.json()["code"] == "term_exists"
    assert again.json()["data"]["resource_id"] == nike["id"]
    listed = api(emu, "products/brands", params={"search": "nik"})
    assert [b["id"] for b in listed.json()] == [nike["id"]] and listed.headers["X-WP-Total"] == "1"

    pid = next(iter(emu.store.products))
    assert api(emu, f"products/{pid}").json()["brands"] == []
    r = api(
        emu,
        f"products/{pid}",
        "PUT",
        json=fixture("product_update_brands.request.json") | {"brands": [{"id": nike["id"]}]},
    )
    assert r.json()["brands"] == [{"id": nike["id"], "name": "Nike", "slug": "nike"}]
    r = api(emu, f"products/{pid}", "PUT", json={"brands": [nike["id"], 999999]})
    assert r.json()["brands"] == [{"id": nike["id"], "name": "Nike", "slug": "nike"}]
    assert api(emu, f"products/brands/{nike['id']}").json()["count"] == 1

    emu.store.configure(brands=False)
    for method, path in [
        ("GET", "products/brands"),
        ("POST", "products/brands"),
        ("GET", f"products/brands/{nike['id']}"),
        ("PUT", f"products/brands/{nike['id']}"),
        ("POST", "products/brands/batch"),
    ]:
        r = api(emu, path, method, json={"name": "Adidas"})
        assert (r.status_code, r.json()) == (
            404,
            {
                "code": "rest_no_route",
                "message": "No route was found matching the URL and request method.",
                "data": {"status": 404},
            },
        )
    assert "brands" not in api(emu, f"products/{pid}").json()
    index = requests.get(f"{emu.url}/wp-json/", timeout=5).json()
    assert not [route for route in index["routes"] if "brands" in route]
    # Control endpoint, as a test of the Odoo side would switch it.
    control = requests.post(f"{emu.url}/_emulator/config", json={"brands": True}, timeout=5)
    assert control.json() == {"brands": True}
    assert api(emu, "products/brands").status_code == 200


# ---------------------------------------------------------------------- attributes
def test_global_attributes_and_terms(emu):
    seeded = api(emu, "products/attributes").json()
    assert [(a["id"], a["slug"]) for a in seeded] == [(1, "pa_color"), (2, "pa_size")]
    body = {**fixture("attribute_create.request.json"), "name": "Material", "slug": "pa_material"}
    r = api(emu, "products/attributes", "POST", json=body)
    assert r.status_code == 201
    material = r.json()
    assert keys(material) == keys(fixture("attribute_create.response.json"))
    assert (material["slug"], material["type"], material["has_archives"]) == (
        "pa_material",
        "select",
        True,
    )
    again = api(emu, "products/attributes", "POST", json={"name": "Material"})
    assert (again.status_code, again.json()) == (
        400,
        {
            "code": "woocommerce_rest_cannot_create",
            "message": 'Slug "material" is already in use. Change it, please.',
            "data": {"status": 400},
        },
    )

    terms = f"products/attributes/{material['id']}/terms"
    r = api(emu, terms, "POST", json={"name": "Organic Cotton"})
    assert r.status_code == 201
    cotton = r.json()
    assert keys(cotton) == keys(fixture("attribute_term_create.response.json"))
    assert cotton["slug"] == "organic-cotton"
    dup = api(emu, terms, "POST", json={"name": "organic cotton"}).json()
    assert dup["code"] == "term_exists" and dup["data"]["resource_id"] == cotton["id"]
    assert dup["message"] == "A term with the name provided already exists in this taxonomy."
    r = api(
        emu,
        f"{terms}/batch",
        "POST",
        json={"create": [{"name": "Linen"}, {"name": "Organic Cotton"}]},
    )
    assert r.json()["create"][1]["error"]["data"]["resource_id"] == cotton["id"]
    names = [t["name"] for t in api(emu, terms).json()]
    assert names == ["Linen", "Organic Cotton"]
    r = api(emu, "products/attributes/999/terms")
    assert r.status_code == 404 and r.json()["code"] == "woocommerce_rest_taxonomy_invalid"
    colors = [
        t["name"] for t in api(emu, "products/attributes/1/terms", params={"per_page": 100}).json()
    ]
    assert colors, "the seeded products' colours are terms of Color"


def test_variable_product_with_variations(emu):
    black = api(emu, "products/attributes/1/terms", "POST", json={"name": "Jet Black"}).json()
    body = fixture("product_create_variable.request.json")
    body["attributes"][0]["id"] = 1
    body["attributes"][0]["options"] = ["Jet Black", "Mint Green"]  # a new term is made for Mint
    body["default_attributes"] = [{"id": 1, "option": "Jet Black"}, {"name": "Size", "option": "S"}]
    del body["images"], body["categories"]
    r = api(emu, "products", "POST", json=body)
    assert r.status_code == 201, r.text
    parent = r.json()
    assert parent["type"] == "variable" and parent["variations"] == []
    assert parent["attributes"] == [
        {
            "id": 1,
            "name": "Color",
            "slug": "pa_color",
            "position": 0,
            "visible": False,
            "variation": True,
            "options": ["Jet Black", "Mint Green"],
        },
        {
            "id": 0,
            "name": "Size",
            "slug": "Size",
            "position": 0,
            "visible": True,
            "variation": True,
            "options": ["S", "M"],
        },
    ]
    assert parent["default_attributes"] == [
        {"id": 1, "name": "Color", "option": "jet-black"},
        {"id": 0, "name": "Size", "option": "S"},
    ]
    assert "Mint Green" in [t["name"] for t in emu.store.attribute_terms[1].values()]
    assert api(emu, f"products/attributes/1/terms/{black['id']}").json()["count"] == 1

    pid = parent["id"]
    taken = next(v["sku"] for v in emu.store.variations.values() if v["sku"])
    batch = {
        "create": [
            {
                "sku": "SYI-BLK-S",
                "regular_price": "10.00",
                "attributes": [{"id": 1, "option": "Jet Black"}, {"name": "Size", "option": "S"}],
            },
            {
                "sku": taken,
                "regular_price": "10.00",
                "attributes": [{"id": 1, "option": "Mint Green"}],
            },
            {
                "sku": "SYI-GRN-M",
                "regular_price": "9.00",
                "manage_stock": True,
                "stock_quantity": 3,
                "attributes": [
                    {"id": 1, "option": "Mint Green"},
                    {"name": "Size", "option": "M"},
                    {"id": 2, "option": "XL"},
                ],
            },
        ]
    }
    r = api(emu, f"products/{pid}/variations/batch", "POST", json=batch)
    assert r.status_code == 200
    created = r.json()["create"]
    assert created[1]["error"]["code"] == "product_invalid_sku"
    first, third = created[0], created[2]
    assert first["attributes"] == [
        {"id": 1, "name": "Color", "option": "Jet Black"},
        {"id": 0, "name": "Size", "option": "S"},
    ]
    assert len(third["attributes"]) == 2  # Size of the global attribute 2 is not the parent's
    assert (third["stock_quantity"], third["price"]) == (3, "9.00")
    assert "attribute_pa_color=jet-black" in first["permalink"]
    assert keys(fixture("variation_create.response.json")) <= keys(first)

    r = api(
        emu,
        f"products/{pid}/variations",
        "POST",
        json=fixture("variation_create.request.json")
        | {
            "image": None,
            "attributes": [{"id": 1, "option": "Jet Black"}, {"name": "Size", "option": "M"}],
        },
    )
    assert r.status_code == 201, r.text
    single = r.json()
    shown = api(emu, f"products/{pid}").json()
    assert shown["variations"] == [first["id"], third["id"], single["id"]]
    assert shown["price"] == "9.00"
    listed = api(emu, f"products/{pid}/variations", params={"sku": "SYI-GRN-M"}).json()
    assert [v["id"] for v in listed] == [third["id"]]

    r = api(
        emu,
        f"products/{pid}/variations/batch",
        "POST",
        json={"update": [{"id": third["id"], "regular_price": "12.00"}], "delete": [single["id"]]},
    )
    assert r.json()["update"][0]["price"] == "12.00" and r.json()["delete"][0]["id"] == single["id"]
    assert api(emu, f"products/{pid}").json()["variations"] == [first["id"], third["id"]]
    kinds = [e["kind"] for e in emu.store.received]
    assert kinds.count("variation_batch") == 2 and kinds.count("variation_create") == 1


# ---------------------------------------------------------------------- images
def test_images_are_downloaded_sideloaded_and_reused(emu, images):
    body = {
        "name": "Pictured",
        "images": [
            {"src": f"{images.url}/img/red.png?v=1"},
            {"src": f"{images.url}/img/photo.jpg", "name": "Photo", "alt": "A photo"},
        ],
    }
    r = api(emu, "products", "POST", json=body)
    assert r.status_code == 201, r.text
    product = r.json()
    pid = product["id"]
    first, second = product["images"]
    assert keys(first) == keys(fixture("product_create_simple.response.json")["images"][0])
    assert first["src"].startswith(f"{emu.url}/wp-content/uploads/") and first["src"].endswith(
        "/red.png"
    )
    assert (second["name"], second["alt"]) == ("Photo", "A photo")
    assert first["id"] != second["id"] and pid not in (first["id"], second["id"])
    served = requests.get(first["src"], timeout=5)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["Content-Type"] == "image/png"
    assert [(d["url"], d["bytes"]) for d in emu.store.downloads] == [
        (f"{images.url}/img/red.png?v=1", len(PNG)),
        (f"{images.url}/img/photo.jpg", len(JPEG)),
    ]

    # Failures: the whole update is refused, nothing of the product changes.
    port = closed_port()
    for src, message in [
        (
            f"{images.url}/img/noext",
            "Invalid image: Sorry, you are not allowed to upload this file type.",
        ),
        (
            f"{images.url}/img/notes.jpg",
            "Invalid image: Sorry, you are not allowed to upload this file type.",
        ),
        (
            f"{images.url}/img/missing.jpg",
            f"Error getting remote image {images.url}/img/missing.jpg. Error: Not Found",
        ),
        (
            f"http://127.0.0.1:{port}/a.jpg",
            f"Error getting remote image http://127.0.0.1:{port}/a.jpg. Error: cURL error 7: "
            f"Failed to connect to 127.0.0.1 port {port} after 0 ms: Couldn't connect to server",
        ),
    ]:
        r = api(
            emu,
            f"products/{pid}",
            "PUT",
            json={"name": "Changed", "images": [{"id": second["id"]}, {"src": src}]},
        )
        expected = fixture("product_image_upload_error.response.json") | {"message": message}
        assert (r.status_code, r.json()) == (400, expected), src
    assert api(emu, f"products/{pid}").json()["images"] == product["images"]
    assert api(emu, f"products/{pid}").json()["name"] == "Pictured"
    assert [d["error"] is None for d in emu.store.downloads] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]

    # Reuse by id: no download; the order is the order sent; old media stay in the library.
    before = len(emu.store.downloads)
    r = api(
        emu,
        f"products/{pid}",
        "PUT",
        json={"images": [{"id": second["id"]}, {"id": first["id"], "alt": "Red"}]},
    )
    assert [i["id"] for i in r.json()["images"]] == [second["id"], first["id"]]
    assert r.json()["images"][1]["alt"] == "Red"
    assert len(emu.store.downloads) == before
    r = api(
        emu,
        f"products/{pid}",
        "PUT",
        json={"images": [{"src": f"{images.url}/img/red-png-named.jpg"}]},
    )
    renamed = r.json()["images"][0]
    assert renamed["src"].endswith("/red-png-named.png")  # WordPress renames it after its type
    assert {first["id"], second["id"], renamed["id"]} <= set(emu.store.media)
    again = api(
        emu, f"products/{pid}", "PUT", json={"images": [{"src": f"{images.url}/img/red.png"}]}
    )
    assert again.json()["images"][0]["src"].endswith("/red-1.png")  # wp_unique_filename
    bad_id = api(emu, f"products/{pid}", "PUT", json={"images": [{"id": 999999}]})
    assert bad_id.json()["code"] == "woocommerce_product_invalid_image_id"

    # Variations take one image with the same rules (their own error code).
    parent = api(emu, "products", "POST", json={"name": "V", "type": "variable"}).json()
    path = f"products/{parent['id']}/variations"
    r = api(emu, path, "POST", json={"image": {"id": first["id"]}})
    assert r.status_code == 201 and r.json()["image"]["id"] == first["id"]
    r = api(emu, path, "POST", json={"image": {"src": f"{images.url}/img/noext"}})
    assert r.status_code == 400 and r.json()["code"] == "woocommerce_variation_image_upload_error"
    assert len(api(emu, path).json()) == 1


# ---------------------------------------------------------------------- customers
def test_customers_create_lookup_update(emu):
    request = fixture("customer_create.request.json")
    r = api(emu, "customers", "POST", json=request)
    assert r.status_code == 201, r.text
    john = r.json()
    assert keys(john) == keys(fixture("customer_create.response.json"))
    assert (john["role"], john["username"], john["is_paying_customer"]) == (
        "customer",
        "john.doe",
        False,
    )
    assert john["billing"] == request["billing"]
    assert {k: john["shipping"][k] for k in request["shipping"]} == request["shipping"]
    assert john["avatar_url"].startswith("https://secure.gravatar.com/avatar/")

    again = api(emu, "customers", "POST", json={"email": "John.Doe@example.com"})
    assert (again.status_code, again.json()) == (
        400,
        fixture("customer_create_email_exists.response.json"),
    )
    found = api(emu, "customers", params={"email": "john.doe@example.com"}).json()
    assert [c["id"] for c in found] == [john["id"]]

    # A username is made from the email when not given, unique.
    jane = api(emu, "customers", "POST", json={"email": "john.doe@example.org"}).json()
    assert jane["username"].startswith("john.doe-") and jane["username"] != "john.doe"
    no_email = api(emu, "customers", "POST", json={"first_name": "X"})
    assert no_email.json()["code"] == "rest_missing_callback_param"

    r = api(
        emu,
        f"customers/{john['id']}",
        "PUT",
        json={
            "billing": {"phone": "+36 1 234 5678"},
            "meta_data": [{"key": "odoo_partner", "value": 7}],
        },
    )
    updated = r.json()
    assert updated["billing"] == {**request["billing"], "phone": "+36 1 234 5678"}
    assert updated["first_name"] == "John" and updated["shipping"] == john["shipping"]
    assert updated["meta_data"][0]["key"] == "odoo_partner" and updated["meta_data"][0]["id"]
    taken = api(emu, f"customers/{jane['id']}", "PUT", json={"email": "john.doe@example.com"})
    assert taken.json()["code"] == "woocommerce_rest_customer_invalid_email"

    r = api(
        emu,
        "customers/batch",
        "POST",
        json={
            "create": [
                {"email": "a@example.net"},
                {"email": "john.doe@example.com"},
                {"email": "not-an-email"},
            ],
            "update": [{"id": jane["id"], "last_name": "Roe"}],
        },
    )
    create = r.json()["create"]
    assert create[0]["email"] == "a@example.net"
    assert [c.get("error", {}).get("code") for c in create[1:]] == [
        "registration-error-email-exists",
        "registration-error-invalid-email",
    ]
    assert r.json()["update"][0]["last_name"] == "Roe"
    assert len(received(emu, "customer_create")) == 4 and len(received(emu, "customer_batch")) == 1
    # Customers made by orders are still listed with the new ones.
    listed = api(emu, "customers", params={"per_page": 100}).json()
    assert {john["id"], jane["id"]} <= {c["id"] for c in listed} and len(listed) > 3


# ---------------------------------------------------------------------- state
def test_snapshot_restore_and_reset_cover_the_catalogue(emu, images):
    start = emu.store.snapshot()
    api(emu, "products/categories", "POST", json={"name": "Temporary"})
    api(emu, "products/brands", "POST", json={"name": "Acme"})
    api(emu, "products/attributes", "POST", json={"name": "Finish"})
    api(emu, "customers", "POST", json={"email": "temp@example.com"})
    api(
        emu,
        "products",
        "POST",
        json={"name": "P", "images": [{"src": f"{images.url}/img/red.png"}]},
    )
    store = emu.store
    assert store.brands and store.media and store.downloads and store.uploads
    emu.store.restore(start)
    assert not store.brands and not store.media and not store.downloads and not store.uploads
    assert "Temporary" not in [c["name"] for c in store.categories.values()]
    assert "Finish" not in [a["name"] for a in store.attributes.values()]
    assert not store._email_owner("temp@example.com")
    api(emu, "products/attributes", "POST", json={"name": "Finish"})
    store.reset()
    assert sorted(store.attributes) == [1, 2] and not store.received
