#!/usr/bin/env python3
"""The Odoo-side setup of ``make reliability`` (``scripts/reliability.py``), in its own process.

One phase, ``setup``: the stores the scenarios use (registered as a merchant would, through
``bench_odoo.setup_store``; unreachable ones by their URL only), their webhooks registered
with the emulators, a second company with a user of its own, and a Store Sync user of the
first company. Every store starts with its import switched off: each scenario switches on
its own stores when it starts. The result (store ids, logins) is written as JSON.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_odoo

#: what the access scenario's users log in with (a throwaway database on loopback)
PASSWORD = "reliability-Secret-1"


def _unreachable_store(env, spec, like):
    """A store at an address nothing answers on: registered with the URL and credentials only
    (its settings cannot be loaded), priced and stocked like ``like``."""
    _currency, prefix, (key_field, secret_field) = bench_odoo.PLATFORM_SETUP[spec["platform"]]
    values = {
        "name": spec["name"],
        "platform": spec["platform"],
        "base_url": spec["url"],
        key_field: spec["key"],
        secret_field: spec["secret"],
        "order_prefix": prefix,
        "import_orders_since": False,  # the whole history, once it answers
        "timeout": spec.get("timeout") or like.timeout,
        "pricelist_id": like.pricelist_id.id,
        "warehouse_id": like.warehouse_id.id,
    }
    if spec.get("shop_name"):
        values["shop_name"] = spec["shop_name"]
    return env["storesync.store"].create(values)


def _users(env):
    """A Store Sync user of this company, and company B with a user who sees only B."""
    sync_group = env.ref("storesync_connector.group_storesync_user")
    sales_group = env.ref("sales_team.group_sale_salesman_all_leads")
    company_a = env.company
    company_b = env["res.company"].create({"name": "Reliability company B"})
    users = {}
    for login, company in (("rel_sync_a", company_a), ("rel_user_b", company_b)):
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": login,
                "login": login,
                "password": PASSWORD,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "group_ids": [(4, sync_group.id), (4, sales_group.id)],
            }
        )
        users[login] = PASSWORD
    return users


def setup(env, args):
    env["ir.config_parameter"].set_param("web.base.url", args["base_url"])
    env["ir.config_parameter"].set_param("web.base.url.freeze", "True")
    stores, first = {}, {}
    for spec in args["stores"]:
        if spec.get("unreachable"):
            store = _unreachable_store(env, spec, first[spec["platform"]])
        else:
            store = bench_odoo.setup_store(
                env,
                spec["url"],
                spec["key"],
                spec["secret"],
                name=spec["name"],
                platform=spec["platform"],
                shop_name=spec.get("shop_name"),
                commit=env.cr.commit,
            )
            first.setdefault(spec["platform"], store)
        store.write({"import_orders": False, **spec.get("values", {})})
        if spec.get("webhooks"):
            env.cr.commit()  # the adapter's token cache writes through a cursor of its own
            store.action_register_webhooks()
        env.cr.commit()
        stores[spec["key_name"]] = store.id
    users = _users(env)
    env.cr.commit()
    return {"stores": stores, "users": users}


def main(argv=None):
    parser = argparse.ArgumentParser(description="the Odoo-side setup of make reliability")
    parser.add_argument("phase", choices=["setup"])
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--args", required=True, help="JSON file with the phase's arguments")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    options = parser.parse_args(argv)
    with open(options.args) as src:
        args = json.load(src)
    cr, env = bench_odoo._open_env(options.conf, options.db)
    try:
        result = setup(env, args)
        cr.commit()
    finally:
        cr.close()
    with open(options.out, "w") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
