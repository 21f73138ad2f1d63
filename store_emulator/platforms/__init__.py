"""Emulated platforms, one module each.

A platform module defines ``TITLE`` (shown in the start-up line), a ``Store`` class (seeded
state plus the mutations the control endpoints call: ``create_orders``, ``modify_order``,
``modify_product``, ``summary``, ``reset``, ``close``, a ``received`` list, a ``lock`` and a
``site_url`` attribute; optionally ``configure(**settings)`` for ``POST /_emulator/config``
and ``add_webhook(url, topic, secret)`` with the module's ``WEBHOOK_TOPICS`` for the command
line) and an ``Api`` class (``handle(request)`` and ``fault_response(fault)``
returning ``server.Response``). ``EmulatorServer(platform=...)`` imports it by name.
"""

PLATFORMS = ("woocommerce", "shoprenter", "cartum")
