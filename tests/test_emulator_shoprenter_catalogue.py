"""Store emulator: the Shoprenter catalogue and customer writes over HTTP (productExtend,
categories, manufacturers, files and images, variants, group prices, customers, batch)."""

import base64

import pytest
import requests

from store_emulator import EmulatorServer
from store_emulator.platforms.shoprenter import parse_rid, rid

CREDS = {"grant_type": "client_credentials", "client_id": "ck_demo", "client_secret": "cs_demo"}
HU = rid("language", "language_id=1")
EN = rid("language", "language_id=2")
DEFAULT_GROUP = rid("customerGroup", "customer_group_id=8")
REGULARS = rid("customerGroup", "customer_group_id=6")
HUNGARY = rid("country", "country_id=97")
# the smallest files with the signatures the shop takes
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32).decode()
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
BCRYPT = "$2y$10$Ynx7HptRL9B3nD.4KAFA8.ah2miCMeK/nIIY9pFT9aavbGKVfVLwO"


class Client:
    """A bearer-token client (the shop's rate limit is off in these tests)."""

    def __init__(self, server):
        self.server = server
        token = requests.post(f"{server.url}/demo/app/token", json=CREDS, timeout=10).json()
        self.headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {token['access_token']}",
        }

    def __call__(self, method, path, **kwargs):
        return requests.request(
            method, f"{self.server.url}/api/{path}", headers=self.headers, timeout=10, **kwargs
        )

    def get(self, path, **params):
        return self("GET", path, params=params)

    def post(self, path, body, **params):
        return self("POST", path, json=body, params=params)

    def put(self, path, body, **params):
        return self("PUT", path, json=body, params=params)

    def batch(self, requests_):
        r = self.post("batch", {"data": {"requests": requests_}})
        assert r.status_code == 200
        return r.json()["requests"]["request"]


@pytest.fixture(scope="module")
def emu():
    with EmulatorServer(platform="shoprenter", seed=7, orders=10, products=6) as server:
        server.store.configure(rate_limit=0)
        yield server


@pytest.fixture
def shop(emu):
    """The module's shop, back to its seeded state for every test."""
    emu.store.reset()
    emu.store.configure(rate_limit=0)
    return emu


@pytest.fixture
def api(shop):
    return Client(shop)


def upload(api, path, data=JPEG):
    return api.post("files", {"filePath": path, "type": "image", "attachment": data})


def describe(name, language=HU, **more):
    return {"name": name, "language": {"id": language}, **more}


def new_product(api, sku="ODOO-1", **fields):
    body = {"sku": sku, "price": "1000", "productDescriptions": [describe(f"Termék {sku}")]}
    r = api.post("productExtend", {**body, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def received(shop, kind):
    return [e for e in shop.store.received if e["kind"] == kind]


# ------------------------------------------------------------------------- products
def test_product_create_with_everything_reads_back(shop, api):
    category = api.post(
        "categoryExtend",
        {
            "status": "1",
            "categoryDescriptions": [describe("Szobanövények"), describe("Plants", EN)],
        },
    )
    assert category.status_code == 201
    category = category.json()
    maker = api.post("manufacturers", {"name": "Zöld Kft.", "sortOrder": "0"}).json()
    for path in ("product/fikusz.jpg", "product/fikusz-2.jpg", "product/fikusz_(3).png"):
        data = PNG if path.endswith("png") else JPEG
        assert upload(api, path, data).status_code == 204
    r = api.post(
        "productExtend",
        {
            "sku": "FIK-1",
            "gtin": "5991234567890",
            "modelNumber": "F1",
            "price": "3149.6063",
            "weight": "1.5",
            "weightUnit": {"id": rid("weightClass", "weight_class_id=1")},
            "taxClass": {"id": rid("taxClass", "tax_class_id=10")},
            "status": "1",
            "stock1": "12",
            "subtractStock": "1",
            "mainPicture": "product/fikusz.jpg",
            "availableDate": "2026-12-20",
            "inStockStatus": {"id": rid("stockStatus", "stock_status_id=9")},
            "noStockStatus": {"id": rid("stockStatus", "stock_status_id=5")},
            "manufacturer": {"id": maker["id"]},
            "productDescriptions": [
                describe("Fikusz", shortDescription="Kicsi", description="<p>Nagy</p>"),
                describe("Ficus", EN),
            ],
            "productCategoryRelations": [{"category": {"id": category["id"]}}],
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert parse_rid(created["id"], "product", "product_id") == int(created["innerId"])
    assert created["href"].endswith(f"/api/productExtend/{created['id']}")
    product_ref = {"id": created["id"]}
    for order, path in enumerate(("product/fikusz-2.jpg", "product/fikusz_(3).png"), start=1):
        r = api.post(
            "productImages",
            {
                "imagePath": path,
                "imageAlt": f"kép {order}",
                "sortOrder": str(order),
                "product": product_ref,
            },
        )
        assert r.status_code == 201
        assert r.json()["product"]["href"].endswith(created["id"])
    got = api.get(f"productExtend/{created['id']}").json()
    assert (got["sku"], got["price"], got["stock1"], got["weight"]) == (
        "FIK-1",
        "3149.6063",
        "12",
        "1.50",
    )
    assert (got["gtin"], got["modelNumber"], got["availableDate"]) == (
        "5991234567890",
        "F1",
        "2026-12-20",
    )
    assert got["mainPicture"] == "product/fikusz.jpg"
    assert got["inStockStatus"]["href"].endswith(rid("stockStatus", "stock_status_id=9"))
    assert got["manufacturer"]["id"] == maker["id"] and got["manufacturer"]["name"] == "Zöld Kft."
    assert [d["name"] for d in got["productDescriptions"]] == ["Fikusz", "Ficus"]
    assert got["productDescriptions"][0]["shortDescription"] == "Kicsi"
    assert [c["category"]["href"].split("/")[-1] for c in got["productCategoryRelations"]] == [
        category["id"]
    ]
    images = got["allImages"]
    assert list(images) == ["mainImage", "image1", "image2"]
    assert "/product/fikusz.jpg?" in images["mainImage"]
    assert "/product/fikusz-2.jpg?" in images["image1"]
    assert images["mainImage"].startswith(shop.url)
    # the store's own view, for a test to read
    inner = int(created["innerId"])
    product = shop.store.products[inner]
    assert product["name"] == "Fikusz" and product["categories"] == [int(category["innerId"])]
    assert product["manufacturer"] == int(maker["innerId"])
    assert sorted(shop.store.files) == [
        "product/fikusz-2.jpg",
        "product/fikusz.jpg",
        "product/fikusz_(3).png",
    ]
    assert len(received(shop, "product_create")) == 1
    assert len(received(shop, "file_upload")) == 3
    listed = api.get("productImages", productId=created["id"], full=1).json()["items"]
    assert [i["imagePath"] for i in listed] == ["product/fikusz-2.jpg", "product/fikusz_(3).png"]
    # lookups
    by_sku = api.get("productExtend", sku="FIK-1", full=1).json()["items"]
    assert [p["id"] for p in by_sku] == [created["id"]]
    assert api.get("productExtend", sku="FIK").json()["items"] == []
    names = api.get("categoryDescriptions", name="Szobanövények", languageId=HU, full=1).json()
    assert [d["category"]["href"].split("/")[-1] for d in names["items"]] == [category["id"]]
    assert len(api.get("manufacturers", name="Zöld Kft.").json()["items"]) == 1
    assert api.get("manufacturers", name="Zöld").json()["items"] == []


def test_product_required_fields_duplicates_and_pictures(shop, api):
    r = api.post("productExtend", {"sku": "X-1"})
    assert r.status_code == 400 and r.json()["error"] == 40003
    assert "productDescriptions" in r.json()["message"]
    r = api.post("productExtend", {"productDescriptions": [describe("Nincs cikkszám")]})
    assert r.status_code == 400 and r.json()["error"] == 40003
    new_product(api, "X-1")
    r = api.post("productExtend", {"sku": "X-1", "productDescriptions": [describe("Másik")]})
    assert r.status_code == 409 and r.json()["error"] == 40901
    r = api.post(
        "productExtend",
        {
            "sku": "X-2",
            "mainPicture": "product/nincs.jpg",
            "productDescriptions": [describe("Kép nélkül")],
        },
    )
    assert r.status_code == 400 and r.json()["error"] == 40005
    assert "X-2" not in [p["sku"] for p in shop.store.products.values()]  # nothing half-made
    r = api.post(
        "productExtend",
        {"sku": "X-3", "status": "5", "productDescriptions": [describe("Rossz állapot")]},
    )
    assert r.status_code == 400 and r.json()["error"] == 40005
    r = api.post(
        "productExtend",
        {"sku": "X-3", "innerId": "5", "productDescriptions": [describe("Csak olvasható")]},
    )
    assert r.status_code == 400 and r.json()["error"] == 40002
    r = api.post(
        "productExtend",
        {
            "sku": "X-3",
            "taxClass": {"id": "bm9wZQ=="},
            "productDescriptions": [describe("Rossz adó")],
        },
    )
    assert r.status_code == 400 and r.json()["error"] == 40007
    r = api.put("productExtend", {"stock1": "3"}, sku="NINCS-ILYEN")
    assert r.status_code == 404 and r.json()["error"] == 40033
    r = api.put("productExtend", {"stock1": "3", "price": "2300"}, sku="X-1")
    assert r.status_code == 200 and (r.json()["stock1"], r.json()["price"]) == ("3", "2300.0000")
    # published filter
    api.put("productExtend", {"status": "0"}, sku="X-1")
    off = api.get("productExtend", published="0", full=1).json()["items"]
    assert [p["sku"] for p in off] == ["X-1"]
    assert "X-1" not in [
        p["sku"] for p in api.get("productExtend", published="1", full=1, limit=200).json()["items"]
    ]


def test_plain_products_and_descriptions(shop, api):
    r = api.post("products", {"sku": "PLAIN-1", "price": "500"})
    assert r.status_code == 201 and r.json()["productDescriptions"]["href"].endswith(
        f"productDescriptions?productId={r.json()['id']}"
    )
    ident = r.json()["id"]
    body = {"product": {"id": ident}, "language": {"id": HU}, "name": "Sima termék"}
    r = api.post("productDescriptions", body)
    assert r.status_code == 201 and r.json()["name"] == "Sima termék"
    assert api.post("productDescriptions", body).status_code == 409
    r = api.put(f"productDescriptions/{r.json()['id']}", {"shortDescription": "Rövid"})
    assert r.json()["shortDescription"] == "Rövid"
    found = api.get("productDescriptions", productId=ident, full=1).json()["items"]
    assert [d["name"] for d in found] == ["Sima termék"]
    assert shop.store.products[parse_rid(ident, "product", "product_id")]["name"] == "Sima termék"
    r = api("DELETE", "productExtend")
    assert r.status_code == 400 and r.json()["error"] == 40004
    assert api("DELETE", "productExtend", params={"sku": "PLAIN-1"}).status_code == 204
    assert api.get(f"productExtend/{ident}").status_code == 404


def test_put_replaces_the_given_lists_and_post_adds(shop, api):
    cats = sorted(shop.store.categories)[:3]
    cat_ids = [rid("category", f"category_id={c}") for c in cats]
    created = new_product(
        api,
        "R-1",
        productCategoryRelations=[
            {"category": {"id": cat_ids[0]}},
            {"category": {"id": cat_ids[1]}},
        ],
        productSpecials=[{"price": "800", "minQuantity": "5", "priority": "3"}],
        customerGroupProductPrices=[{"customerGroup": {"id": REGULARS}, "price": "900"}],
    )
    ident = created["id"]
    inner = int(created["innerId"])
    # POST ?sku= adds rows; an existing relation is refused
    r = api.post(
        "productExtend", {"productCategoryRelations": [{"category": {"id": cat_ids[2]}}]}, sku="R-1"
    )
    assert r.status_code == 200
    assert shop.store.products[inner]["categories"] == cats
    r = api.post(
        "productExtend", {"productCategoryRelations": [{"category": {"id": cat_ids[2]}}]}, sku="R-1"
    )
    assert r.status_code == 409 and r.json()["error"] == 40901
    # PUT replaces the lists it carries and keeps the others
    r = api.put(
        f"productExtend/{ident}",
        {
            "productCategoryRelations": [{"category": {"id": cat_ids[1]}}],
            "productDescriptions": [describe("Új név"), describe("New name", EN)],
        },
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert [c["category"]["href"].split("/")[-1] for c in got["productCategoryRelations"]] == [
        cat_ids[1]
    ]
    assert [d["name"] for d in got["productDescriptions"]] == ["Új név", "New name"]
    assert len(got["productSpecials"]) == 1 and got["productSpecials"][0]["minQuantity"] == "5"
    assert [p["price"] for p in got["customerGroupProductPrices"]] == ["900.0000"]
    regulars = next(p for p in got["productPrices"] if p["customerGroup"]["id"] == REGULARS)
    assert regulars["net"] == "900"
    # an empty list clears
    r = api.put(f"productExtend/{ident}", {"productSpecials": [], "productCategoryRelations": []})
    assert r.json()["productSpecials"] == [] and r.json()["productCategoryRelations"] == []
    assert shop.store.products[inner]["name"] == "Új név"
    # a relation by its own resource; a second one is refused; DELETE removes it
    body = {"product": {"id": ident}, "category": {"id": cat_ids[0]}}
    r = api.post("productCategoryRelations", body)
    assert r.status_code == 201
    relation = r.json()["id"]
    assert api.post("productCategoryRelations", body).status_code == 409
    listed = api.get("productCategoryRelations", productId=ident).json()["items"]
    assert listed == [{"href": f"{shop.url}/api/productCategoryRelations/{relation}"}]
    assert api("DELETE", f"productCategoryRelations/{relation}").status_code == 204
    assert api("DELETE", f"productCategoryRelations/{relation}").status_code == 404


def test_embedded_manufacturer_without_id_is_new_every_time(shop, api):
    maker = {"name": "Gyártó", "picture": "image.jpg", "sortOrder": 0, "robotsMetaTag": 0}
    first = new_product(api, "M-1", manufacturer=maker)
    second = new_product(api, "M-2", manufacturer=maker)
    assert first["manufacturer"]["id"] != second["manufacturer"]["id"]
    assert [m["name"] for m in shop.store.manufacturers.values()] == ["Gyártó", "Gyártó"]
    found = api.get("manufacturers", name="Gyártó", full=1).json()["items"]
    assert len(found) == 2
    # with its id it is only linked
    r = api.put(f"productExtend/{second['id']}", {"manufacturer": {"id": found[0]["id"]}})
    assert r.json()["manufacturer"]["id"] == found[0]["id"]
    assert len(shop.store.manufacturers) == 2
    r = api.put(f"manufacturers/{found[0]['id']}", {"name": "Gyártó Zrt."})
    assert r.status_code == 200 and r.json()["name"] == "Gyártó Zrt."


def test_batch_with_one_failing_item(shop, api):
    items = api.batch(
        [
            {
                "method": "POST",
                "uri": f"{shop.url}/api/productExtend",
                "data": {"sku": "B-1", "productDescriptions": [describe("Első")]},
            },
            {
                "method": "POST",
                "uri": "https://demo.api2.myshoprenter.hu/api/productExtend",
                "data": {"price": "10", "productDescriptions": [describe("Cikkszám nélkül")]},
            },
            {
                "method": "POST",
                "uri": f"{shop.url}/api/productExtend",
                "data": {"sku": "B-3", "productDescriptions": [describe("Harmadik")]},
            },
            {
                "method": "PUT",
                "uri": f"{shop.url}/api/productExtend?sku=B-1",
                "data": {"stock1": "4"},
            },
        ]
    )
    assert [i["response"]["header"]["statusCode"] for i in items] == ["201", "400", "201", "200"]
    assert items[1]["response"]["body"]["error"] == 40003
    assert "sku" in items[1]["response"]["body"]["message"]
    assert items[3]["response"]["body"]["stock1"] == "4"
    skus = [p["sku"] for p in shop.store.products.values()]
    assert "B-1" in skus and "B-3" in skus
    creates = received(shop, "product_create")
    assert [e["status"] for e in creates] == [201, 400, 201]


def test_files_bad_name_or_content_refused(shop, api):
    r = upload(api, "product/kép.jpg")
    assert r.status_code == 400 and r.json()["error"] == 40005
    assert "English letters" in r.json()["message"]
    r = upload(api, "product/a b.jpg")
    assert r.status_code == 400
    r = upload(api, "product/doc.jpg", base64.b64encode(b"%PDF-1.4 not a picture").decode())
    assert r.status_code == 400 and "not an image" in r.json()["message"]
    r = upload(api, "product/x.jpg", "###")
    assert r.status_code == 400 and "base64" in r.json()["message"]
    r = api.post("files", {"filePath": "product/x.jpg", "type": "image"})
    assert r.status_code == 400 and r.json()["error"] == 40003
    assert shop.store.files == {}
    # an upload to the same path replaces the file (file/data.json)
    assert upload(api, "product/x.jpg").status_code == 204
    assert upload(api, "product/x.jpg", PNG).status_code == 204
    assert shop.store.files["product/x.jpg"].startswith(b"\x89PNG")
    got = api.get("files", type="image", filePath="product/x.jpg").json()
    assert got["attachment"] == PNG
    shop.store.configure(file_upload_status=201)
    r = upload(api, "product/y.jpg")
    assert r.status_code == 201 and r.json() == {"filePath": "product/y.jpg", "type": "image"}
    # an image must be an uploaded file
    product = new_product(api, "F-1")
    r = api.post(
        "productImages", {"imagePath": "product/zzz.jpg", "product": {"id": product["id"]}}
    )
    assert r.status_code == 400


def test_variant_flow(shop, api):
    """ex08: type, list attribute, values and their names, the type's variant parameter,
    then each product gets the type and its value and the children their parent."""
    cls = api.post("productClasses", {"name": "houseplant", "description": "Szobanövény"})
    assert cls.status_code == 201
    cls = cls.json()
    assert cls["firstVariantParameter"] is None
    attrs = []
    for name in ("shape_of_leaves", "pot_size", "colour"):
        r = api.post("listAttributes", {"type": "LIST", "name": name, "priority": "NORMAL"})
        assert r.status_code == 201
        attrs.append(r.json())
    assert api.post("listAttributes", {"type": "LIST", "name": "Bad Name"}).status_code == 400
    r = api.post(
        "attributeDescriptions",
        {"attribute": {"id": attrs[0]["id"]}, "language": {"id": HU}, "name": "Levélforma"},
    )
    assert r.status_code == 201
    values = []
    for name in ("spiky", "rounded"):
        value = api.post("listAttributeValues", {"listAttribute": {"id": attrs[0]["id"]}}).json()
        r = api.post(
            "listAttributeValueDescriptions",
            {"name": name, "language": {"id": HU}, "listAttributeValue": {"id": value["id"]}},
        )
        assert r.status_code == 201 and r.json()["name"] == name
        values.append(value)
    # a parameter must be one of the type's attributes first
    r = api.put(f"productClasses/{cls['id']}", {"firstVariantParameter": {"id": attrs[0]["id"]}})
    assert r.status_code == 400
    for attr in attrs:
        r = api.post(
            "productClassAttributeRelations",
            {"productClass": {"id": cls["id"]}, "attribute": {"id": attr["id"]}},
        )
        assert r.status_code == 201
    r = api.put(
        f"productClasses/{cls['id']}",
        {
            "firstVariantParameter": {"id": attrs[0]["id"]},
            "secondVariantParameter": {"id": attrs[1]["id"]},
        },
    )
    assert r.status_code == 200
    assert r.json()["secondVariantParameter"]["href"].endswith(attrs[1]["id"])
    r = api.put(f"productClasses/{cls['id']}", {"thirdVariantParameter": {"id": attrs[2]["id"]}})
    assert r.status_code == 400 and r.json()["error"] == 40005
    r = api.put(f"productClasses/{cls['id']}", {"secondVariantParameter": {"id": attrs[0]["id"]}})
    assert r.status_code == 400 and r.json()["error"] == 40021
    assert api.post("productClasses", {"name": "houseplant"}).json()["error"] == 40024
    parent = new_product(api, "PLANT")
    child = new_product(api, "PLANT-SPIKY")
    r = api.post(
        "productListAttributeValueRelations",
        {"product": {"id": child["id"]}, "listAttributeValue": {"id": values[0]["id"]}},
    )
    assert r.status_code == 400 and r.json()["error"] == 40012  # no product class yet
    for product, value in ((parent, values[1]), (child, values[0])):
        r = api.put(f"productExtend/{product['id']}", {"productClass": {"id": cls["id"]}})
        assert r.json()["productClass"]["href"].endswith(cls["id"])
        r = api.post(
            "productListAttributeValueRelations",
            {"product": {"id": product["id"]}, "listAttributeValue": {"id": value["id"]}},
        )
        assert r.status_code == 201
    r = api.put(f"productExtend/{child['id']}", {"parentProduct": {"id": parent["id"]}})
    assert r.status_code == 200
    assert r.json()["parentProduct"]["href"].endswith(f"/products/{parent['id']}")
    children = api.get("productExtend", parentProductId=parent["innerId"], full=1).json()["items"]
    assert [c["sku"] for c in children] == ["PLANT-SPIKY"]
    relations = api.get("productListAttributeValueRelations", productId=child["id"], full=1)
    assert [x["listAttributeValue"]["href"].split("/")[-1] for x in relations.json()["items"]] == [
        values[0]["id"]
    ]
    store = shop.store
    assert store.products[int(child["innerId"])]["parent"] == int(parent["innerId"])
    assert store.product_classes[int(parse_rid(cls["id"], "productClass", "product_class_id"))][
        "first"
    ] == parse_rid(attrs[0]["id"], "listAttribute", "attribute_id")
    assert api("DELETE", f"productClasses/{cls['id']}").json()["error"] == 40025


# ------------------------------------------------------------------------- customers
def customer_body(email="vevo@example.hu", **more):
    return {
        "firstname": "Vevő",
        "lastname": "Kovács",
        "email": email,
        "telephone": "+36201234567",
        "password": BCRYPT,
        "status": "1",
        "approved": "1",
        "newsletter": "0",
        "addresses": [
            {
                "firstname": "Vevő",
                "lastname": "Kovács",
                "company": "Kovács Bt.",
                "taxNumber": "12345678-2-42",
                "type": "business",
                "address1": "Fő utca 1.",
                "postcode": "1011",
                "city": "Budapest",
                "country": {"id": HUNGARY},
            }
        ],
        **more,
    }


def test_customers(shop, api):
    r = api.post("customerExtend", customer_body())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["customerGroup"]["href"].endswith(DEFAULT_GROUP)  # no group: the default
    assert created["password"] == BCRYPT
    assert created["addresses"][0]["company"] == "Kovács Bt."
    assert created["addresses"][0]["country"]["href"].endswith(HUNGARY)
    body = customer_body("masik@example.hu")
    del body["password"]
    r = api.post("customerExtend", body)
    assert r.status_code == 400 and r.json()["error"] == 40003 and "password" in r.json()["message"]
    r = api.post("customerExtend", customer_body("harmadik@example.hu", password="titok123"))
    assert r.status_code == 400 and r.json()["error"] == 40005
    r = api.post("customerExtend", customer_body("VEVO@example.hu"))
    assert r.status_code == 409 and r.json()["error"] == 40901
    # a buyer the shop has from its orders is there too
    seeded = next(iter(shop.store.customers.values()))
    r = api.post("customerExtend", customer_body(seeded["person"]["email"]))
    assert r.status_code == 409
    found = api.get("customerExtend", email="vevo@example.hu", full=1).json()["items"]
    assert [c["id"] for c in found] == [created["id"]]
    old = api.get("customerExtend", email=seeded["person"]["email"], full=1).json()["items"]
    assert old[0]["addresses"][0]["address1"] == seeded["person"]["address_1"]
    # PUT: fields and a replaced address list
    r = api.put(
        f"customerExtend/{created['id']}",
        {
            "customerGroup": {"id": REGULARS},
            "addresses": [
                {
                    "firstname": "V",
                    "lastname": "K",
                    "address1": "Új utca 2.",
                    "postcode": "4028",
                    "city": "Debrecen",
                    "country": {"id": HUNGARY},
                },
            ],
        },
    )
    assert r.status_code == 200
    got = r.json()
    assert got["customerGroup"]["href"].endswith(REGULARS)
    assert [a["city"] for a in got["addresses"]] == ["Debrecen"]
    assert got["firstname"] == "Vevő"
    customer = shop.store.customers[int(created["innerId"])]
    assert customer["person"]["email"] == "vevo@example.hu" and customer["group"] == 6
    countries = api.get("countries", full=1).json()["items"]
    assert "HU" in [c["isoCode2"] for c in countries]


# ------------------------------------------------------------------------- prices
def test_group_prices_and_specials(shop, api):
    product = new_product(api, "P-1")
    ref = {"id": product["id"]}
    r = api.post(
        "customerGroupProductPrices",
        {"customerGroup": {"id": DEFAULT_GROUP}, "product": ref, "price": "900"},
    )
    assert r.status_code == 400 and r.json()["error"] == 40005
    assert "Default CustomerGroup" in r.json()["message"]
    r = api.post(
        "customerGroupProductPrices",
        {"customerGroup": {"id": REGULARS}, "product": ref, "price": "900"},
    )
    assert r.status_code == 201
    price = r.json()
    assert price["id"] == rid(
        "customerGroupProductPrice", f"customer_group_id=6&product_id={product['innerId']}"
    )
    assert (
        api.put(f"customerGroupProductPrices/{price['id']}", {"price": "850"}).json()["price"]
        == "850.0000"
    )
    listed = api.get("customerGroupProductPrices", productId=product["id"], full=1).json()
    assert [p["price"] for p in listed["items"]] == ["850.0000"]
    assert api("DELETE", f"customerGroupProductPrices/{price['id']}").status_code == 204
    r = api.post(
        "productSpecials",
        {
            "product": ref,
            "customerGroup": {"id": REGULARS},
            "priority": "2",
            "price": "800",
            "minQuantity": "10",
            "maxQuantity": "0",
            "dateFrom": "0000-00-00 00:00:00",
            "dateTo": "2027-01-31",
        },
    )
    assert r.status_code == 201
    special = api.get(f"productSpecials/{r.json()['id']}").json()
    assert (special["minQuantity"], special["maxQuantity"], special["priority"]) == ("10", "0", "2")
    assert special["dateTo"] == "2027-01-31 00:00:00"
    assert special["customerGroup"]["href"].endswith(REGULARS)


def test_reset_and_snapshot_forget_the_catalogue(shop, api):
    state = shop.store.snapshot()
    upload(api, "product/s.jpg")
    new_product(api, "S-1", mainPicture="product/s.jpg", manufacturer={"name": "Új"})
    api.post("customerExtend", customer_body("s@example.hu"))
    assert shop.store.files and shop.store.manufacturers
    shop.store.restore(state)
    assert shop.store.files == {} and shop.store.manufacturers == {}
    assert "S-1" not in [p["sku"] for p in shop.store.products.values()]
    assert not api.get("customerExtend", email="s@example.hu").json()["items"]
