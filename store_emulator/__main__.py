"""Command line: ``python -m store_emulator --platform woocommerce --port 8071 --seed 1``.

Prints one line with the URL and the keys once it listens, then serves until SIGINT/SIGTERM.
"""

import argparse
import importlib
import signal
import sys
import threading

from store_emulator.faults import KINDS
from store_emulator.platforms import PLATFORMS
from store_emulator.server import EmulatorServer


def parse_args(argv=None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(prog="python -m store_emulator", description=__doc__)
    parser.add_argument("--platform", choices=PLATFORMS, default="woocommerce")
    parser.add_argument("--port", type=int, default=8071, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--consumer-key", default="ck_demo")
    parser.add_argument("--consumer-secret", default="cs_demo")
    parser.add_argument(
        "--currency",
        default=None,
        help="default: EUR (WooCommerce), HUF (Shoprenter), UAH (Cartum; or RON)",
    )
    parser.add_argument(
        "--shop-name",
        default=None,
        help="the shop name of platforms that have one (Shoprenter: token URL /<shop>/app/token; "
        "default demo)",
    )
    parser.add_argument(
        "--prices-include-tax",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="catalogue prices are gross (orders still report net line totals and taxes)",
    )
    parser.add_argument(
        "--tax-round-at-subtotal",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="round tax once per rate on the order instead of per line "
        "(woocommerce_tax_round_at_subtotal)",
    )
    parser.add_argument(
        "--price-decimals",
        type=int,
        default=None,
        help="the store's number of decimals (woocommerce_price_num_decimals); "
        "default 2, or 0 for HUF",
    )
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of API requests to fail"
    )
    parser.add_argument(
        "--faults", default="429,500,502,503", help=f"kinds among {','.join(KINDS)}"
    )
    parser.add_argument(
        "--retry-after", type=int, default=None, help="seconds; default: the platform's habit"
    )
    parser.add_argument(
        "--webhook-url",
        help="subscribe this URL to the platform's order topics (WooCommerce: order.created, "
        "order.updated, product.updated; Shoprenter: order_confirm, order_status_change; "
        "Cartum: order_created, order_update, the secret as the URL's last path segment)",
    )
    parser.add_argument("--webhook-secret", default="whsec_demo")
    parser.add_argument(
        "--verbose", action="store_true", help="print an access log line per request"
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the emulator in the foreground."""
    args = parse_args(argv)
    module = importlib.import_module(f"store_emulator.platforms.{args.platform}")
    store_options = {} if args.shop_name is None else {"shop_name": args.shop_name}
    try:
        emu = EmulatorServer(
            platform=args.platform,
            seed=args.seed,
            orders=args.orders,
            products=args.products,
            consumer_key=args.consumer_key,
            consumer_secret=args.consumer_secret,
            port=args.port,
            currency=args.currency,
            prices_include_tax=args.prices_include_tax,
            tax_round_at_subtotal=args.tax_round_at_subtotal,
            price_decimals=args.price_decimals,
            verbose=args.verbose,
            **store_options,
        )
    except (TypeError, ValueError) as exc:
        print(f"{args.platform}: {exc}", file=sys.stderr, flush=True)
        return 2
    if args.fault_rate > 0:
        try:
            emu.set_faults(
                args.faults.split(","), rate=args.fault_rate, retry_after=args.retry_after
            )
        except ValueError as exc:
            print(f"--faults/--fault-rate: {exc}", file=sys.stderr, flush=True)
            return 2
    try:
        emu.start()
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr, flush=True)
        return 1
    if args.webhook_url:
        for topic in module.WEBHOOK_TOPICS:
            emu.store.add_webhook(args.webhook_url, topic, args.webhook_secret)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    summary = emu.store.summary()
    key_name, secret_name = getattr(module, "CREDENTIAL_NAMES", ("consumer key", "consumer secret"))
    shop = f", shop name {summary['shop_name']}" if "shop_name" in summary else ""
    print(
        f"{emu.title} emulator listening on {emu.url} ({key_name} {args.consumer_key}, "
        f"{secret_name} {args.consumer_secret}{shop}, {summary['orders']} orders, "
        f"{summary['products']} products)",
        flush=True,
    )
    while not stopping.wait(0.5):
        pass
    emu.stop()
    print("emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
