"""The VirtueMart catalogue and customer export against the emulator's MariaDB shop: every
write read back from VirtueMart's tables.

Run: cd tests && ../.venv/bin/python -m pytest test_adapter_virtuemart_catalogue.py -q
-p no:randomly -p no:odoo (needs the STORESYNC_MARIADB_* server, see scripts/dev.py
ensure_mariadb).
"""

from decimal import Decimal

import pymysql
import pytest

from store_emulator.platforms.virtuemart import VirtueMartShop, server_settings
from storesync_common import png

try:
    from odoo.addons.storesync_connector.adapters.virtuemart import VirtueMartAdapter
except ImportError:
    import bare_addon  # noqa: F401

    from storesync_connector.adapters.virtuemart import VirtueMartAdapter


def _server_answers():
    try:
        pymysql.connect(connect_timeout=2, **server_settings()).close()
    except pymysql.MySQLError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _server_answers(), reason="no MariaDB server")


@pytest.fixture
def shop():
    with VirtueMartShop(seed=5, orders=3, products=4).start() as shop:
        yield shop


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "product"
    path.mkdir()
    return path


def _adapter(shop, folder=None):
    credentials = shop.credentials()
    if folder is not None:
        credentials["vm_image_path"] = str(folder)
    return VirtueMartAdapter("http://shop.test", credentials)


def _one(shop, sql, *args):
    rows = shop.query(sql, *args)
    assert len(rows) == 1, rows
    return rows[0]


def _counts(shop):
    tables = (
        "virtuemart_products",
        "virtuemart_products_{lang}",
        "virtuemart_product_prices",
        "virtuemart_product_categories",
        "virtuemart_product_manufacturers",
        "virtuemart_product_medias",
        "virtuemart_product_customfields",
        "virtuemart_medias",
        "virtuemart_customs",
        "virtuemart_categories",
        "virtuemart_manufacturers",
        "users",
        "virtuemart_vmusers",
        "virtuemart_userinfos",
        "virtuemart_vmuser_shoppergroups",
        "user_usergroup_map",
    )
    return {t: shop.query(f"SELECT COUNT(*) AS n FROM {{p}}{t}")[0]["n"] for t in tables}


def _result_shape(result):
    assert {"key", "id", "ok", "adopted", "status", "code", "message", "retryable"} <= set(result)


def test_capabilities():
    assert VirtueMartAdapter.catalogue_export and VirtueMartAdapter.catalogue_variants
    assert VirtueMartAdapter.customer_export
    assert VirtueMartAdapter.image_transport == "upload"
    assert VirtueMartAdapter.max_images == 3
    assert VirtueMartAdapter.catalogue_values == frozenset({"brand", "delivery_status"})
    assert "vm_image_path" in {c.name for c in VirtueMartAdapter.credential_fields}


def test_category_tree_with_unique_slugs_and_adoption(shop):
    adapter = _adapter(shop)
    [top] = adapter.export_categories([{"key": "1", "id": None, "values": {"name": "Möbel"}}])
    _result_shape(top)
    assert top["ok"] and not top["adopted"]
    children = adapter.export_categories(
        [
            {"key": "2", "id": None, "values": {"name": "Stühle", "parent_id": top["id"]}},
            # the same name elsewhere: a category of its own with a slug of its own
            {"key": "3", "id": None, "values": {"name": "Möbel", "parent_id": top["id"]}},
        ]
    )
    assert all(r["ok"] and not r["adopted"] for r in children)
    rows = shop.query(
        "SELECT c.virtuemart_category_id AS id, c.category_parent_id AS parent, l.slug, "
        "l.category_name AS name FROM {p}virtuemart_categories c JOIN "
        "{p}virtuemart_categories_{lang} l USING (virtuemart_category_id) "
        "WHERE c.virtuemart_category_id IN (%s, %s, %s) ORDER BY c.virtuemart_category_id",
        top["id"],
        children[0]["id"],
        children[1]["id"],
    )
    assert [(r["name"], r["parent"], r["slug"]) for r in rows] == [
        ("Möbel", 0, "moebel"),
        ("Stühle", int(top["id"]), "stuehle"),
        ("Möbel", int(top["id"]), "moebel-2"),
    ]
    assert _one(
        shop,
        "SELECT has_children FROM {p}virtuemart_categories WHERE virtuemart_category_id=%s",
        top["id"],
    )["has_children"]
    # A lost answer: the same create again finds the category (same name, same parent).
    before = _counts(shop)
    again = adapter.export_categories(
        [{"key": "2", "id": None, "values": {"name": "Stühle", "parent_id": top["id"]}}]
    )
    assert again[0]["adopted"] and again[0]["id"] == children[0]["id"]
    # The seeded "Garten" is adopted by its name at the top.
    [garden] = adapter.export_categories([{"key": "4", "id": None, "values": {"name": "Garten"}}])
    assert garden["adopted"] and garden["id"] == "2"
    assert _counts(shop) == before
    # A rename keeps the slug; a move changes the parent.
    [renamed] = adapter.export_categories(
        [{"key": "2", "id": children[0]["id"], "values": {"name": "Sessel", "parent_id": None}}]
    )
    assert renamed["ok"]
    row = _one(
        shop,
        "SELECT c.category_parent_id AS parent, l.slug, l.category_name AS name "
        "FROM {p}virtuemart_categories c JOIN {p}virtuemart_categories_{lang} l "
        "USING (virtuemart_category_id) WHERE c.virtuemart_category_id=%s",
        children[0]["id"],
    )
    assert row == {"parent": 0, "slug": "stuehle", "name": "Sessel"}
    [gone] = adapter.export_categories([{"key": "9", "id": "9999", "values": {"name": "X"}}])
    assert not gone["ok"] and gone["gone"] and gone["status"] == 404


def test_manufacturer_created_and_adopted_by_name(shop):
    adapter = _adapter(shop)
    [made] = adapter.export_brands([{"key": "1", "id": None, "values": {"name": "Fiskars Öy"}}])
    assert made["ok"] and not made["adopted"]
    row = _one(
        shop,
        "SELECT mf_name, slug FROM {p}virtuemart_manufacturers_{lang} "
        "WHERE virtuemart_manufacturer_id=%s",
        made["id"],
    )
    assert row == {"mf_name": "Fiskars Öy", "slug": "fiskars-oey"}
    [again] = adapter.export_brands([{"key": "1", "id": None, "values": {"name": " fiskars öy"}}])
    assert again["adopted"] and again["id"] == made["id"]


def _spade(category_id, brand_id, images):
    return {
        "key": "10",
        "id": None,
        "values": {
            "name": "Spaten",
            "description": "<p>Gehärteter Stahl.</p>",
            "sku": "SPATEN-1",
            "barcode": "4006381333931",
            "weight": Decimal("2.25"),
            "category_ids": [category_id],
            "brand_id": brand_id,
            "images": images,
            "published": True,
            "regular_price": Decimal("21.008403"),
            "sale_price": None,
            "sale_from": None,
            "sale_to": None,
            "manage_stock": True,
            "stock_quantity": 7,
        },
    }


def _pictures():
    return [
        {"key": "aaaa1111bbbb", "name": "spaten-10-1.png", "alt": "Spaten", "content": png("red")},
        {"key": "cccc2222dddd", "name": "spaten-10-2.png", "alt": "Spaten", "content": png("blue")},
    ]


def test_product_with_price_relations_pictures_and_a_second_run(shop, folder):
    adapter = _adapter(shop, folder)
    [result] = adapter.export_products([_spade("3", "1", _pictures())])
    _result_shape(result)
    assert result["ok"] and not result["adopted"], result
    product_id = result["id"]
    row = _one(
        shop,
        "SELECT p.*, l.product_name, l.product_desc, l.slug FROM {p}virtuemart_products p "
        "JOIN {p}virtuemart_products_{lang} l USING (virtuemart_product_id) "
        "WHERE p.virtuemart_product_id=%s",
        product_id,
    )
    assert row["product_sku"] == "SPATEN-1"
    assert row["product_gtin"] == "4006381333931"
    assert row["product_weight"] == Decimal("2.2500") and row["product_weight_uom"] == "KG"
    assert row["product_in_stock"] == 7 and row["published"] == 1
    assert row["product_parent_id"] == 0
    assert row["product_name"] == "Spaten" and row["slug"] == "spaten"
    assert row["product_desc"] == "<p>Gehärteter Stahl.</p>"
    assert (row["has_categories"], row["has_manufacturers"], row["has_prices"]) == (1, 1, 1)
    assert row["has_medias"] == 1
    price = _one(
        shop,
        "SELECT * FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s",
        product_id,
    )
    assert price["product_price"] == Decimal("21.008403")
    assert price["product_tax_id"] == 0 and price["virtuemart_shoppergroup_id"] == 0
    assert price["product_currency"] == 47
    assert [
        r["virtuemart_category_id"]
        for r in shop.query(
            "SELECT * FROM {p}virtuemart_product_categories WHERE virtuemart_product_id=%s",
            product_id,
        )
    ] == [3]
    assert [
        r["virtuemart_manufacturer_id"]
        for r in shop.query(
            "SELECT * FROM {p}virtuemart_product_manufacturers WHERE virtuemart_product_id=%s",
            product_id,
        )
    ] == [1]
    # Pictures: files in the folder, medias rows, product_medias in order.
    medias = shop.query(
        "SELECT m.*, pm.ordering FROM {p}virtuemart_product_medias pm JOIN {p}virtuemart_medias m "
        "USING (virtuemart_media_id) WHERE pm.virtuemart_product_id=%s ORDER BY pm.ordering",
        product_id,
    )
    assert [str(m["virtuemart_media_id"]) for m in medias] == result["images"]
    assert [m["file_url"] for m in medias] == [
        "images/virtuemart/product/spaten-10-1-aaaa1111.png",
        "images/virtuemart/product/spaten-10-2-cccc2222.png",
    ]
    assert {m["file_type"] for m in medias} == {"product"}
    assert {m["file_mimetype"] for m in medias} == {"image/png"}
    assert (folder / "spaten-10-1-aaaa1111.png").read_bytes() == png("red")
    assert (folder / "spaten-10-2-cccc2222.png").read_bytes() == png("blue")
    assert result["variants"] == []
    # Nothing changed: nothing is written (the core sends only what changed: here nothing
    # but the id, and then the same values again: no row moves).
    before = _counts(shop)
    stamp = _one(
        shop,
        "SELECT modified_on FROM {p}virtuemart_products WHERE virtuemart_product_id=%s",
        product_id,
    )
    same = _spade(
        "3", "1", [{**p, "id": i} for p, i in zip(_pictures(), result["images"], strict=True)]
    )
    for image in same["values"]["images"]:
        image.pop("content")
    same["id"] = product_id
    for key in ("regular_price", "sale_price", "sale_from", "sale_to", "stock_quantity"):
        same["values"].pop(key)
    [second] = adapter.export_products([same])
    assert second["ok"] and second["images"] == result["images"]
    assert _counts(shop) == before
    assert (
        _one(
            shop,
            "SELECT modified_on FROM {p}virtuemart_products WHERE virtuemart_product_id=%s",
            product_id,
        )
        == stamp
    )
    # An update sends what changed: the name (slug kept), one picture less, no manufacturer.
    [third] = adapter.export_products(
        [
            {
                "key": "10",
                "id": product_id,
                "values": {
                    "name": "Gartenspaten",
                    "images": [{**_pictures()[1], "id": result["images"][1]}],
                    "brand_id": None,
                },
            }
        ]
    )
    assert third["ok"] and third["images"] == [result["images"][1]]
    row = _one(
        shop,
        "SELECT l.product_name, l.slug, p.has_manufacturers, p.has_medias "
        "FROM {p}virtuemart_products p JOIN {p}virtuemart_products_{lang} l "
        "USING (virtuemart_product_id) WHERE p.virtuemart_product_id=%s",
        product_id,
    )
    assert row == {
        "product_name": "Gartenspaten",
        "slug": "spaten",
        "has_manufacturers": 0,
        "has_medias": 1,
    }
    # The picture no longer listed is unlinked; its medias row and file stay.
    assert shop.query(
        "SELECT 1 FROM {p}virtuemart_medias WHERE virtuemart_media_id=%s", result["images"][0]
    )
    assert (folder / "spaten-10-1-aaaa1111.png").exists()


def test_product_adopted_by_sku_keeps_what_odoo_has_not(shop, folder):
    seeded = _one(
        shop,
        "SELECT p.virtuemart_product_id AS id, p.product_sku AS sku, l.product_desc "
        "FROM {p}virtuemart_products p JOIN {p}virtuemart_products_{lang} l "
        "USING (virtuemart_product_id) WHERE p.product_parent_id = 0 AND p.product_sku LIKE "
        "'VM-1%%' ORDER BY p.virtuemart_product_id LIMIT 1",
    )
    prices_before = shop.query(
        "SELECT * FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s", seeded["id"]
    )
    before = _counts(shop)
    [result] = _adapter(shop, folder).export_products(
        [
            {
                "key": "11",
                "id": None,
                "values": {
                    "name": "Aus Odoo",
                    "description": "",
                    "sku": seeded["sku"],
                    "barcode": "",
                    "images": [],
                    "published": True,
                    "regular_price": Decimal("1.00"),
                    "stock_quantity": 3,
                },
            }
        ]
    )
    assert result["ok"] and result["adopted"] and result["id"] == str(seeded["id"])
    counts = _counts(shop)
    assert counts == before
    row = _one(
        shop,
        "SELECT l.product_name, l.product_desc FROM {p}virtuemart_products_{lang} l "
        "WHERE virtuemart_product_id=%s",
        seeded["id"],
    )
    assert row["product_name"] == "Aus Odoo"
    assert row["product_desc"] == seeded["product_desc"], "an empty description is not sent"
    assert (
        shop.query(
            "SELECT * FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s",
            seeded["id"],
        )
        == prices_before
    ), "an adopted product's prices go through the price export, not here"


def _shirt():
    variant = {
        "barcode": "",
        "weight": None,
        "published": True,
        "sale_price": None,
        "sale_from": None,
        "sale_to": None,
        "manage_stock": True,
    }
    return {
        "key": "20",
        "id": None,
        "values": {
            "name": "Hemd",
            "description": "<p>Baumwolle</p>",
            "sku": "HEMD-P20",
            "category_ids": ["1"],
            "brand_id": None,
            "images": [],
            "published": True,
            "options": [
                {"name": "Größe", "values": ["M", "L"]},
                {"name": "Farbe", "values": ["Rot"]},
            ],
        },
        "variants": [
            {
                "key": "201",
                "id": None,
                "values": {
                    **variant,
                    "sku": "HEMD-M",
                    "options": {"Größe": "M", "Farbe": "Rot"},
                    "image": {"key": "eeee3333", "name": "hemd-m.png", "content": png("green")},
                    "regular_price": Decimal("20.00"),
                    "stock_quantity": 4,
                },
            },
            {
                "key": "202",
                "id": None,
                "values": {
                    **variant,
                    "sku": "HEMD-L",
                    "options": {"Größe": "L", "Farbe": "Rot"},
                    "image": None,
                    "regular_price": Decimal("22.00"),
                    "stock_quantity": 2,
                },
            },
        ],
    }


def test_variants_are_children_with_the_generic_variant_field(shop, folder):
    adapter = _adapter(shop, folder)
    [result] = adapter.export_products([_shirt()])
    assert result["ok"], result
    parent = result["id"]
    children = result["variants"]
    assert [v["key"] for v in children] == ["201", "202"]
    assert all(v["ok"] and v["parent_id"] is None for v in children)
    rows = shop.query(
        "SELECT p.virtuemart_product_id AS id, p.product_parent_id AS parent, "
        "p.product_sku AS sku, p.product_in_stock AS stock, l.product_name AS name, "
        "pr.product_price AS price "
        "FROM {p}virtuemart_products p JOIN {p}virtuemart_products_{lang} l "
        "USING (virtuemart_product_id) JOIN {p}virtuemart_product_prices pr "
        "USING (virtuemart_product_id) WHERE p.virtuemart_product_id IN (%s, %s, %s) "
        "ORDER BY p.virtuemart_product_id",
        parent,
        children[0]["id"],
        children[1]["id"],
    )
    assert [(r["parent"], r["sku"], r["stock"], r["name"], r["price"]) for r in rows] == [
        (0, "HEMD-P20", 0, "Hemd", Decimal("20.000000")),
        (int(parent), "HEMD-M", 4, "Hemd (M, Rot)", Decimal("20.000000")),
        (int(parent), "HEMD-L", 2, "Hemd (L, Rot)", Decimal("22.000000")),
    ]
    # The parent's generic child variant field (the shop's custom of type 'A').
    generic = _one(
        shop,
        "SELECT f.customfield_value, c.field_type FROM {p}virtuemart_product_customfields f "
        "JOIN {p}virtuemart_customs c USING (virtuemart_custom_id) "
        "WHERE f.virtuemart_product_id=%s",
        parent,
    )
    assert generic == {"customfield_value": "product_name", "field_type": "A"}
    # Each child's values as string fields titled as the attributes.
    values = shop.query(
        "SELECT f.virtuemart_product_id AS id, c.custom_title AS title, f.customfield_value AS v "
        "FROM {p}virtuemart_product_customfields f JOIN {p}virtuemart_customs c "
        "USING (virtuemart_custom_id) WHERE c.field_type='S' AND f.virtuemart_product_id IN "
        "(%s, %s) ORDER BY f.virtuemart_product_id, f.ordering",
        children[0]["id"],
        children[1]["id"],
    )
    assert [(str(r["id"]), r["title"], r["v"]) for r in values] == [
        (children[0]["id"], "Größe", "M"),
        (children[0]["id"], "Farbe", "Rot"),
        (children[1]["id"], "Größe", "L"),
        (children[1]["id"], "Farbe", "Rot"),
    ]
    # The first child's own picture.
    assert len(children[0]["images"]) == 1 and children[1]["images"] == []
    media = _one(
        shop,
        "SELECT m.file_url FROM {p}virtuemart_product_medias pm JOIN {p}virtuemart_medias m "
        "USING (virtuemart_media_id) WHERE pm.virtuemart_product_id=%s",
        children[0]["id"],
    )
    assert media["file_url"] == "images/virtuemart/product/hemd-m-eeee3333.png"
    # A lost answer: the same create adopts parent and children by SKU, makes nothing new.
    before = _counts(shop)
    again = _shirt()
    again["variants"][0]["values"]["image"].pop("content")
    again["variants"][0]["values"]["image"]["id"] = children[0]["images"][0]
    [second] = adapter.export_products([again])
    assert second["ok"] and second["adopted"] and second["id"] == parent
    assert [v["id"] for v in second["variants"]] == [v["id"] for v in children]
    assert all(v["adopted"] for v in second["variants"])
    assert _counts(shop) == before
    # A renamed parent renames its children, keeping their values.
    [renamed] = adapter.export_products([{"key": "20", "id": parent, "values": {"name": "Bluse"}}])
    assert renamed["ok"]
    names = shop.query(
        "SELECT l.product_name AS name FROM {p}virtuemart_products p JOIN "
        "{p}virtuemart_products_{lang} l USING (virtuemart_product_id) "
        "WHERE p.product_parent_id=%s ORDER BY p.virtuemart_product_id",
        parent,
    )
    assert [r["name"] for r in names] == ["Bluse (M, Rot)", "Bluse (L, Rot)"]


def test_without_a_picture_folder_nothing_is_written(shop, folder):
    """A failed result is not bound by the core: a product committed with it would be made
    again with every retry (slugs spaten-2, spaten-3...)."""
    adapter = _adapter(shop)
    before = _counts(shop)
    for _attempt in range(2):
        [result] = adapter.export_products([_spade("3", None, _pictures()[:1]) | {"key": "30"}])
        assert not result["ok"] and result["code"] == "storesync_no_image_folder"
        assert _counts(shop) == before
        assert not result["retryable"] and result["status"] is None
        assert "picture folder" in result["message"] and "Nothing" in result["message"]
        assert result["variants"] is None and result["images"] == []
    # A variant's new picture: neither the parent nor a child is written.
    [result] = adapter.export_products([_shirt()])
    assert not result["ok"] and result["code"] == "storesync_no_image_folder"
    assert result["variants"] is None
    assert _counts(shop) == before
    # A folder that is gone is no folder either.
    [result] = _adapter(shop, folder / "missing").export_products([_shirt()])
    assert not result["ok"] and "missing" in result["message"]
    assert _counts(shop) == before
    # Pictures the shop has already need no folder.
    [result] = adapter.export_products([_spade("3", None, []) | {"key": "31"}])
    assert result["ok"], result
    # With the folder set, the next send makes each product once.
    adapter = _adapter(shop, folder)
    [result] = adapter.export_products([_shirt()])
    assert result["ok"] and not result["adopted"], result
    assert all(v["ok"] and not v["adopted"] for v in result["variants"])
    slugs = shop.query(
        "SELECT l.slug FROM {p}virtuemart_products p JOIN {p}virtuemart_products_{lang} l "
        "USING (virtuemart_product_id) WHERE p.product_sku LIKE 'HEMD-%%' "
        "ORDER BY p.virtuemart_product_id"
    )
    assert [r["slug"] for r in slugs] == ["hemd", "hemd-m-rot", "hemd-l-rot"]


def test_long_texts_are_cut_to_their_columns(shop, folder):
    """MySQL's strict mode refuses a value longer than its column."""
    adapter = _adapter(shop, folder)
    long = "Kategorie " + "x" * 290
    [category] = adapter.export_categories([{"key": "1", "id": None, "values": {"name": long}}])
    assert category["ok"], category
    row = _one(
        shop,
        "SELECT category_name, slug FROM {p}virtuemart_categories_{lang} "
        "WHERE virtuemart_category_id=%s",
        category["id"],
    )
    assert row["category_name"] == long[:180] and len(row["slug"]) <= 191
    # A second send finds it (by the name as the shop keeps it).
    [again] = adapter.export_categories([{"key": "1", "id": None, "values": {"name": long}}])
    assert again["ok"] and again["adopted"] and again["id"] == category["id"]
    [renamed] = adapter.export_categories(
        [{"key": "1", "id": category["id"], "values": {"name": "Y" * 300}}]
    )
    assert renamed["ok"], renamed
    brand_name = "Hersteller " + "y" * 290
    [brand] = adapter.export_brands([{"key": "1", "id": None, "values": {"name": brand_name}}])
    assert brand["ok"], brand
    assert (
        _one(
            shop,
            "SELECT mf_name FROM {p}virtuemart_manufacturers_{lang} "
            "WHERE virtuemart_manufacturer_id=%s",
            brand["id"],
        )["mf_name"]
        == brand_name[:180]
    )
    [again] = adapter.export_brands([{"key": "1", "id": None, "values": {"name": brand_name}}])
    assert again["adopted"] and again["id"] == brand["id"]
    # A product: name, short description, picture title and alt text, option values.
    shirt = _shirt()
    shirt["values"]["name"] = "Hemd " + "z" * 295
    shirt["values"]["short_description"] = "s" * 2500
    shirt["variants"][0]["values"]["image"]["name"] = "b" * 300 + ".png"
    shirt["variants"][0]["values"]["image"]["alt"] = "a" * 300
    shirt["variants"][0]["values"]["options"] = {"Größe": "M" * 3000, "Farbe": "Rot"}
    shirt["variants"][0]["values"]["delivery_status"] = "d" * 40
    [product] = adapter.export_products([shirt])
    assert product["ok"], product
    assert all(v["ok"] for v in product["variants"])
    names = shop.query(
        "SELECT l.product_name AS name, l.product_s_desc AS s FROM {p}virtuemart_products p "
        "JOIN {p}virtuemart_products_{lang} l USING (virtuemart_product_id) "
        "WHERE p.product_sku LIKE 'HEMD-%%' ORDER BY p.virtuemart_product_id"
    )
    assert [len(r["name"]) for r in names] == [180, 180, 180]
    assert len(names[0]["s"]) == 2000
    # A customer with a 100 characters' company (userinfos.company is varchar(64)).
    values = _customer(company="C" * 100, first_name="F" * 120, phone="1" * 40)
    values["billing"] = {
        **values["billing"],
        "company": "C" * 100,
        "first_name": "F" * 120,
        "street": "S" * 120,
        "street2": "T" * 80,
        "city": "K" * 120,
        "zip": "9" * 40,
    }
    values["shipping"] = {**values["billing"], "street": "U" * 120}
    [customer] = adapter.export_customers([{"key": "40", "id": None, "values": values}])
    assert customer["ok"], customer
    bt = _one(
        shop,
        "SELECT * FROM {p}virtuemart_userinfos WHERE virtuemart_user_id=%s AND address_type='BT'",
        customer["id"],
    )
    assert (bt["company"], bt["first_name"], bt["address_1"]) == ("C" * 64, "F" * 96, "S" * 96)
    assert (bt["city"], bt["zip"], bt["phone_1"]) == ("K" * 96, "9" * 32, "1" * 32)
    # An e-mail longer than Joomla's 100: cut, and found again by the cut one.
    email = "e" * 95 + "@example.de"
    [long_mail] = adapter.export_customers(
        [{"key": "41", "id": None, "values": _customer(email=email)}]
    )
    assert long_mail["ok"], long_mail
    user = _one(shop, "SELECT email, username FROM {p}users WHERE id=%s", long_mail["id"])
    assert user == {"email": email[:100], "username": email[:100]}
    [again] = adapter.export_customers(
        [{"key": "41", "id": None, "values": _customer(email=email)}]
    )
    assert again["adopted"] and again["id"] == long_mail["id"]


def test_renamed_parent_keeps_the_merchants_own_children(shop, folder):
    adapter = _adapter(shop, folder)
    [result] = adapter.export_products([_shirt()])
    assert result["ok"], result
    parent = result["id"]
    # The merchant adds a child of their own in the shop, and one named like ours.
    for sku, name in (("SONDER-1", "Sonderedition"), ("HEMD-XL", "Hemd (XL, Rot)")):
        shop.execute(
            "INSERT INTO {p}virtuemart_products (product_parent_id, product_sku, "
            "product_params) VALUES (%s, %s, '')",
            parent,
            sku,
        )
        child = _one(
            shop,
            "SELECT virtuemart_product_id AS id FROM {p}virtuemart_products WHERE product_sku=%s",
            sku,
        )["id"]
        shop.execute(
            "INSERT INTO {p}virtuemart_products_{lang} (virtuemart_product_id, product_name, "
            "slug) VALUES (%s, %s, %s)",
            child,
            name,
            sku.lower(),
        )
    # Odoo renames the parent and sends one of its variants.
    sent = {"key": "202", "id": result["variants"][1]["id"], "values": {"stock_quantity": 3}}
    [renamed] = adapter.export_products(
        [{"key": "20", "id": parent, "values": {"name": "Bluse"}, "variants": [sent]}]
    )
    assert renamed["ok"], renamed
    names = shop.query(
        "SELECT l.product_name AS name FROM {p}virtuemart_products p JOIN "
        "{p}virtuemart_products_{lang} l USING (virtuemart_product_id) "
        "WHERE p.product_parent_id=%s ORDER BY p.virtuemart_product_id",
        parent,
    )
    assert [r["name"] for r in names] == [
        "Bluse (M, Rot)",
        "Bluse (L, Rot)",
        "Sonderedition",
        "Bluse (XL, Rot)",
    ]


def test_a_failure_in_the_middle_leaves_nothing(shop, folder, monkeypatch):
    adapter = _adapter(shop, folder)
    before = _counts(shop)

    def broken(self, cursor, product_id, values, fallback=None):
        raise pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")

    monkeypatch.setattr(VirtueMartAdapter, "_create_prices", broken)
    [result] = adapter.export_products([_spade("3", "1", _pictures())])
    assert not result["ok"] and result["retryable"], result
    assert result["variants"] is None and result["images"] == []
    assert _counts(shop) == before
    assert not shop.query("SELECT 1 FROM {p}virtuemart_products WHERE product_sku='SPATEN-1'")
    assert list(folder.iterdir()) == [], "the pictures written for it are removed again"
    monkeypatch.undo()
    # A child that cannot be written takes its parent with it (one transaction).
    shirt = _shirt()
    shirt["variants"][1]["values"]["sku"] = "x" * 300  # longer than product_sku's 192
    [result] = adapter.export_products([shirt])
    assert not result["ok"] and result["variants"] is None
    assert _counts(shop) == before


def _customer(**values):
    address = {
        "first_name": "Erika",
        "last_name": "Mustermann",
        "company": "",
        "street": "Heidestraße 17",
        "street2": "",
        "city": "Köln",
        "zip": "51147",
        "state_code": "NW",
        "country_code": "DE",
        "email": "erika@example.de",
        "phone": "+49 221 123456",
        "vat": "",
    }
    return {
        "email": "erika@example.de",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "company": "",
        "phone": "+49 221 123456",
        "billing": address,
        "shipping": None,
        "group_id": None,
        **values,
    }


def test_customer_account_with_addresses_and_group(shop):
    adapter = _adapter(shop)
    shipping = {
        **_customer()["billing"],
        "street": "Am Markt 1",
        "city": "Bonn",
        "zip": "53111",
    }
    [result] = adapter.export_customers(
        [{"key": "40", "id": None, "values": _customer(shipping=shipping, group_id="3")}]
    )
    _result_shape(result)
    assert result["ok"] and not result["adopted"], result
    user_id = int(result["id"])
    user = _one(shop, "SELECT * FROM {p}users WHERE id=%s", user_id)
    assert (user["name"], user["username"], user["email"]) == (
        "Erika Mustermann",
        "erika@example.de",
        "erika@example.de",
    )
    assert user["password"].startswith("$2y$") and user["block"] == 0
    assert _one(shop, "SELECT group_id FROM {p}user_usergroup_map WHERE user_id=%s", user_id) == {
        "group_id": 2
    }
    vmuser = _one(shop, "SELECT * FROM {p}virtuemart_vmusers WHERE virtuemart_user_id=%s", user_id)
    assert vmuser["virtuemart_vendor_id"] == 0 and vmuser["customer_number"].startswith("ER")
    infos = shop.query(
        "SELECT * FROM {p}virtuemart_userinfos WHERE virtuemart_user_id=%s ORDER BY address_type",
        user_id,
    )
    assert [i["address_type"] for i in infos] == ["BT", "ST"]
    bt, st = infos
    assert (bt["first_name"], bt["last_name"], bt["address_1"], bt["zip"], bt["city"]) == (
        "Erika",
        "Mustermann",
        "Heidestraße 17",
        "51147",
        "Köln",
    )
    assert bt["virtuemart_country_id"] == 81 and bt["virtuemart_state_id"] == 557
    assert bt["phone_1"] == "+49 221 123456"
    assert (st["address_1"], st["city"], st["address_type_name"]) == (
        "Am Markt 1",
        "Bonn",
        "Am Markt 1, Bonn",
    )
    groups = shop.query(
        "SELECT virtuemart_shoppergroup_id AS g FROM {p}virtuemart_vmuser_shoppergroups "
        "WHERE virtuemart_user_id=%s",
        user_id,
    )
    assert [g["g"] for g in groups] == [3]
    # Back to the shop's default group: our assignment is removed.
    [update] = adapter.export_customers(
        [{"key": "40", "id": str(user_id), "values": {"group_id": None, "phone": "0221 999"}}]
    )
    assert update["ok"]
    assert not shop.query(
        "SELECT 1 FROM {p}virtuemart_vmuser_shoppergroups WHERE virtuemart_user_id=%s", user_id
    )
    assert (
        _one(
            shop,
            "SELECT phone_1 FROM {p}virtuemart_userinfos WHERE virtuemart_user_id=%s "
            "AND address_type='BT'",
            user_id,
        )["phone_1"]
        == "0221 999"
    )
    # The same create again (a lost answer): adopted by e-mail, nothing new.
    before = _counts(shop)
    [again] = adapter.export_customers(
        [{"key": "40", "id": None, "values": _customer(email="ERIKA@example.de")}]
    )
    assert again["adopted"] and again["id"] == str(user_id)
    assert _counts(shop) == before


def test_adopted_account_keeps_its_password(shop):
    seeded = _one(
        shop,
        "SELECT u.id, u.email, u.password FROM {p}users u JOIN {p}virtuemart_vmusers v "
        "ON v.virtuemart_user_id = u.id ORDER BY u.id DESC LIMIT 1",
    )
    before = _counts(shop)
    [result] = _adapter(shop).export_customers(
        [{"key": "41", "id": None, "values": _customer(email=seeded["email"])}]
    )
    assert result["ok"] and result["adopted"] and result["id"] == str(seeded["id"])
    assert _one(shop, "SELECT password FROM {p}users WHERE id=%s", seeded["id"]) == {
        "password": seeded["password"]
    }
    assert _counts(shop) == before, "no second account, no group map row for an old one"
