# ruff: noqa: E501 (SCHEMA keeps install.sql's lines and comments verbatim)
"""VirtueMart 4 (Joomla 4): a shop living in a real MariaDB database, no HTTP server.

VirtueMart has no REST API [DOC: /work/shared/store_apis/virtuemart.md 3.0]; integrators read
and write its MySQL tables. So this emulator is the schema, German seed data, the rows a
shopper's checkout and the merchant's status changes write, and a TCP fault proxy in front of
the server. Facts come from ``/work/shared/store_apis/virtuemart.md`` and VirtueMart's own
source (SVN mirror ``Ricardolau/mirror_virtuemart``, trunk, VM 3.8/4.0): ``install/install.sql``
and ``install_essential_data.sql`` (schema, default order states, shopper groups),
``helpers/tableupdater.php`` (language tables), ``models/orders.php`` (``_createOrder``,
``_createOrderLines``, ``_createOrderCalcRules``, ``_writeUserInfo``,
``updateStatusForOneOrder``, ``handleStockAfterStatusChangedPerProduct``),
``helpers/calculationh.php`` (``getProductPrices``, ``getCheckoutPrices``, ``couponHandler``),
``plugins/vmpsplugin.php`` (``setCartPrices``: shipment/payment fee tax), ``models/product.php``
(``getRawProductPrices``: which price row applies, ``updateStockInDB``). Tags: [DOC] read in
that source, [INF] inference, [UNVERIFIED] no source.

>>> with VirtueMartShop(seed=1, orders=40, products=12).start() as shop:
...     shop.query("SELECT order_total FROM {p}virtuemart_orders WHERE virtuemart_order_id=%s", 1)

Server and database
* The MariaDB server comes from ``STORESYNC_MARIADB_HOST`` / ``_PORT`` / ``_USER`` /
  ``_PASSWORD`` (127.0.0.1:3399 storesync/storesync). ``start()`` creates a database
  ``vm_<8 hex>`` (or the given one), the tables (``SCHEMA`` + ``LANGUAGE_SCHEMA`` +
  ``JOOMLA_SCHEMA``, InnoDB utf8mb4; columns, types, keys and defaults as install.sql) and the
  seed; ``port`` is the fault proxy's port, the one clients use. ``stop()`` drops the database
  unless it was named by the caller (the demo's, see ``seed_demo``).
* Table names: ``<prefix>virtuemart_<table>`` (prefix ``jml4_``: Joomla's ``#__``), language
  tables ``<prefix>virtuemart_<table>_<language>`` (``de_de``) for products, categories,
  manufacturers, paymentmethods, shipmentmethods [DOC tableupdater createLanguageTables:
  key column, translatable fields, ``slug`` UNIQUE], and Joomla's ``<prefix>users``.
* Datetimes are UTC [INF: Joomla stores UTC]; ``modified_on >= created_on`` everywhere.

Seed (deterministic per ``seed`` except that dates are relative to now)
* Vendor 1 "Muster Handel GmbH", ``vendor_currency`` 47. Currencies 47 EUR (VM's own id,
  2 decimals) and 27 CHF. Countries DE 81, AT 14, CH 204 (VM's ids); German states 554
  Hamburg, 557 Nordrhein-Westfalen, 561 Freistaat Bayern, 563 Berlin (VM's ids).
* Calc rules (``calcs``): 1 "MwSt. 19%" and 2 "MwSt. 7%", ``calc_kind`` 'VatTax',
  ``calc_value_mathop`` '+%', ``calc_currency`` 47 (VM skips order calc rows without a
  currency [DOC _createOrderCalcRules]).
* Shopper groups as install_essential_data.sql: 1 ``COM_VIRTUEMART_SHOPPERGROUP_GUEST``
  (``default`` 2, anonymous buyers), 2 ``COM_VIRTUEMART_SHOPPERGROUP_DEFAULT`` (``default`` 1,
  registered buyers), plus 3 "Händler" (``default`` 0, wholesale prices).
* Order states: the 8 defaults P U C X R S F D with their language-key names and stock handles
  (R R R A A O R A) [DOC], plus the shop's own W "Warten auf Vorkasse" (R) and Z "Retoure" (A).
* Payment methods (``payment_name`` in ``paymentmethods_de_de``): 1 Vorkasse, 2 PayPal,
  3 Rechnung with a fee of 1.50 net (``cost_per_transaction``); shipment methods: 1 DHL
  4.90 net, 2 DPD 5.90 net, 3 Abholung 0. All methods have ``tax_id`` 1 (19 %) in their
  ``*_params`` (VM's ``key="value"|`` format).
* Coupons: WILLKOMMEN5 (5.00 total), SOMMER10 (10.00 total), both with a 30.00 minimum
  (``coupon_value_valid``); TREUE10 (10 percent). Seeded orders use the fixed-amount ones.
* Categories 1 Küche, 2 Garten, 3 Werkzeug, 4 Lebensmittel, 5 Kaffee (child of 4);
  manufacturers 1..3; all with ``_de_de`` rows.
* Products: ``products`` simple products, SKUs ``VM-1001``... (food 7 %, rest 19 %), plus
  parents with child variants (``product_parent_id``; parent SKU ``VM-P01``, children
  ``VM-P01-S`` ...; the parent has a generic-child-variant customfield). One base price row
  per product (group 0, net ``product_price`` with 6 decimals as VM derives it from a gross
  price). Product 1 and 2 have a tier row (``price_quantity_start`` 5), product 3 an active
  dated special price (``product_price_publish_up/down``), product 4 an expired one,
  products 1..3 a row for shopper group 3. ``product_ordered`` is the sum of reserved (R)
  quantities of the seeded orders; ``product_in_stock`` already lost the shipped (O) ones.
* Customers: Joomla users from id 500 (499 is the shop's super user and vendor), each with
  ``vmusers`` (``customer_number``), ``userinfos`` BT (+ ST for some) and
  ``vmuser_shoppergroups`` (2, or 3 for the Händler customer, who has a company). Guests
  order with ``virtuemart_user_id`` 0 and ``customer_number`` ``nonreg_...``; some guest
  e-mails order twice.
* Orders: ``orders`` of them, created over the last ~60 days; statuses spread over P U C S F
  X W and a couple of R. Every order has a BT ``order_userinfos`` row with ``email``;
  ``STsameAsBT`` 1 orders have no ST row, the others have one. Order ids 1..orders,
  ``order_number`` as VM's ``genStdOrderNumber`` (4 random capitals, '0', running count).

Money (what ``_createOrder``/``_createOrderLines``/``_createOrderCalcRules`` store for carts
with VatTax rules only: no DBTax/DATax/Marge rules, no overrides, no bill rules).
Half-up rounding to 2 decimals is ``r2``; unit values first, then times the quantity.
Per line, with ``B`` = r2(product_price of the selected price row), ``v`` = VAT rate:
* ``product_item_price`` = B (``basePriceVariant``), ``product_basePriceWithTax`` = r2(B*(1+v)),
  ``product_final_price`` = S = r2(B*(1+v)) (``salesPrice``, gross unit),
  ``product_priceWithoutTax`` = ``product_discountedPriceWithoutTax`` = N = r2(S/(1+v)),
  ``product_tax`` = S - N (unit tax), ``product_subtotal_with_tax`` = S * quantity,
  ``product_subtotal_discount`` = 0 (no discount rules). N usually equals B.
Header:
* ``order_salesPrice`` = sum(product_subtotal_with_tax); ``order_subtotal`` =
  sum(N * quantity); ``order_tax`` = sum(product_tax * quantity);
  ``order_discountAmount`` = ``order_billDiscountAmount`` = ``order_discount`` = 0.
* ``order_shipment`` / ``order_payment``: net method costs; ``order_shipment_tax`` /
  ``order_payment_tax`` = r2(net * 0.19).
* ``coupon_discount`` is NEGATIVE (VM's ``salesPriceCoupon``): -coupon_value for 'total'
  coupons; 0.00 and ``coupon_code`` NULL without a coupon.
* IDENTITY: ``order_total`` = sum(product_subtotal_with_tax) + order_shipment +
  order_shipment_tax + order_payment + order_payment_tax + coupon_discount, exactly, for every
  seeded order (fixed-amount coupons). A percent coupon (TREUE10, only through
  ``create_orders(coupon=...)``) is -(order_salesPrice * percent / 100) unrounded, as VM: then
  ``order_total`` (decimal 15,5) keeps the sub-cent part and ``coupon_discount`` (decimal
  12,2) is that value rounded half up; the identity holds with the unrounded coupon value.
* ``order_billTaxAmount`` = order_tax + order_shipment_tax + order_payment_tax + sum over VAT
  rules of the coupon's tax share r2(coupon_discount * share / (100 + rate) * rate), share =
  the rule's gross product subtotal / order_salesPrice (1 for a single rule) [DOC
  getCheckoutPrices].
* ``order_billTax`` JSON ``{"<calc_id>": {"virtuemart_calc_id", "calc_name", "calc_value",
  "result"}}`` per VAT rule seen (product rules, and rule 1 for shipment/payment even at 0);
  ``result`` = the rule's product tax (sum of unit tax * quantity) + its coupon tax share +
  shipment tax + payment tax of that rule; ids and ``calc_value`` ("19.0000") are strings as
  PHP reads them from MySQL, ``result`` a number.
* ``order_calc_rules``: per item one 'VatTax' row (``virtuemart_order_item_id`` set,
  ``calc_value`` = rate, ``calc_mathop`` '+%', ``calc_amount`` = the UNIT tax ``product_tax``,
  ``calc_result`` = the rule's order-wide ``result``); then one 'payment' row and one
  'shipment' row (item id NULL, ``calc_amount`` = order_payment_tax / order_shipment_tax,
  ``calc_result`` 0), written even when the amount is 0 [DOC _createOrderCalcRules].
* ``paid`` = order_total and ``paid_on`` set when the order reaches C (VM's default
  ``os_trigger_paid``), else 0.

Price row selection [DOC getRawProductPrices]: rows of groups 0 and the buyer's group whose
publish window contains now, by ``product_price`` DESC; VM's loop picks a group row or a
later fitting group-0 row, so the cheaper active special and the tier row win when they fit.

Status changes and stock [DOC updateStatusForOneOrder, handleStockAfterStatusChangedPerProduct]
* An order is created in P (status 'N' -> 'P': ``product_ordered`` += qty) with a history row
  P, ``customer_notified`` 0 (``_updateOrderHist``); the payment plugin's confirmation then
  writes the first real status with ``customer_notified`` 1 (also P again for a pending
  payment); every later change is one more history row (``customer_notified`` 1).
* A status change sets ``order_status`` on the order and on every item and moves stock per
  item by the stock handles: entering R adds to ``product_ordered``, leaving R subtracts;
  entering O subtracts from ``product_in_stock`` (and adds to ``product_sales``), leaving O
  adds back. A is neither.

Faults: ``set_faults(kinds, count=1)``: each new client connection to ``port`` consumes one
pending fault: "refuse" (accepted and closed before the server greeting), "reset" (the login
passes, the connection is cut when the client sends its first command; HTTP-like kinds "500",
"503", "429" act as "reset"), "stall" (accepted, nothing sent for 30 s).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import secrets
import socket
import struct
import threading
from decimal import ROUND_HALF_UP, Decimal

import pymysql
import pymysql.constants.CLIENT
import pymysql.cursors
from faker import Faker

#: VirtueMart's tables an Odoo connector touches, as ``install.sql`` and
#: ``install_essential_data.sql`` (userinfos, order_userinfos) define them; ``{p}`` is the
#: Joomla table prefix (``#__``). Engine InnoDB and utf8mb4 for all (VM uses MyISAM for some).
SCHEMA = """
CREATE TABLE `{p}virtuemart_vendors` (
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `vendor_name` varchar(64),
  `vendor_currency` int(1),
  `vendor_accepted_currencies` varchar(1536) NOT NULL DEFAULT '',
  `vendor_params` varchar(14335) NOT NULL DEFAULT '',
  `metarobot` varchar(20),
  `metaauthor` varchar(64),
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_vendor_id`),
  KEY `vendor_name` (`vendor_name`),
  KEY `vendor_currency` (`vendor_currency`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Vendors manage their products in your store';

CREATE TABLE `{p}virtuemart_currencies` (
  `virtuemart_currency_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `currency_name` varchar(64),
  `currency_code_2` char(2),
  `currency_code_3` char(3),
  `currency_numeric_code` int(4),
  `currency_exchange_rate` decimal(12,5),
  `currency_symbol` varchar(8),
  `currency_decimal_place` varchar(8),
  `currency_decimal_symbol` varchar(8),
  `currency_thousands` varchar(8),
  `currency_positive_style` varchar(64),
  `currency_negative_style` varchar(64),
  `ordering` int(1) NOT NULL DEFAULT '0',
  `shared` tinyint(1) NOT NULL DEFAULT '1',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_currency_id`),
  KEY `ordering` (`ordering`),
  KEY `currency_name` (`currency_name`),
  KEY `published` (`published`),
  KEY `shared` (`shared`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  UNIQUE KEY `currency_code_3` (`currency_code_3`),
  KEY `currency_numeric_code` (`currency_numeric_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Used to store currencies';

CREATE TABLE `{p}virtuemart_countries` (
  `virtuemart_country_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_worldzone_id` tinyint(1) NOT NULL DEFAULT '1',
  `country_name` varchar(64),
  `country_3_code` char(3),
  `country_2_code` char(2),
  `country_num_code` char(3),
  `ordering` int(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_country_id`),
  UNIQUE KEY `country_3_code` (`country_3_code`),
  UNIQUE KEY `country_2_code` (`country_2_code`),
  UNIQUE KEY `country_num_code` (`country_num_code`),
  KEY `country_name` (`country_name`),
  KEY `ordering` (`ordering`),
  KEY `published` (`published`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Country records';

CREATE TABLE `{p}virtuemart_states` (
  `virtuemart_state_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `virtuemart_country_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_worldzone_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `state_name` varchar(64),
  `state_3_code` char(3),
  `state_2_code` char(2),
  `ordering` int(1) NOT NULL DEFAULT '0',
  `shared` tinyint(1) NOT NULL DEFAULT '1',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_state_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  UNIQUE KEY `state_3_code` (`virtuemart_vendor_id`,`virtuemart_country_id`,`state_3_code`),
  UNIQUE KEY `state_2_code` (`virtuemart_vendor_id`,`virtuemart_country_id`,`state_2_code`),
  KEY `virtuemart_country_id` (`virtuemart_country_id`),
  KEY `ordering` (`ordering`),
  KEY `shared` (`shared`),
  KEY `published` (`published`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='States that are assigned to a country';

CREATE TABLE `{p}virtuemart_shoppergroups` (
  `virtuemart_shoppergroup_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `shopper_group_name` varchar(128),
  `shopper_group_desc` varchar(255),
  `custom_price_display` tinyint(1) NOT NULL DEFAULT '0',
  `price_display` blob NOT NULL,
  `default` tinyint(1) NOT NULL DEFAULT '0',
  `sgrp_additional` tinyint(1) NOT NULL DEFAULT '0',
  `ordering` int(1) NOT NULL DEFAULT '0',
  `shared` tinyint(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_shoppergroup_id`),
  UNIQUE KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`,`virtuemart_shoppergroup_id`),
  KEY `shopper_group_name` (`shopper_group_name`),
  KEY `ordering` (`ordering`),
  KEY `shared` (`shared`),
  KEY `published` (`published`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Shopper Groups that users can be assigned to';

CREATE TABLE `{p}virtuemart_vmusers` (
  `virtuemart_user_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `user_is_vendor` tinyint(1) NOT NULL DEFAULT '0',
  `customer_number` varchar(32),
  `virtuemart_paymentmethod_id` int(1) UNSIGNED,
  `virtuemart_shipmentmethod_id` int(1) UNSIGNED,
  `agreed` tinyint(1) NOT NULL DEFAULT '0',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_user_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  UNIQUE KEY `u_virtuemart_user_id` (`virtuemart_user_id`,`virtuemart_vendor_id`),
  KEY `user_is_vendor` (`user_is_vendor`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Holds the unique user data';

CREATE TABLE `{p}virtuemart_vmuser_shoppergroups` (
  `id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_user_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_shoppergroup_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  PRIMARY KEY (`id`),
  UNIQUE KEY `virtuemart_user_id` (`virtuemart_user_id`,`virtuemart_shoppergroup_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='xref table for users to shopper group';

CREATE TABLE `{p}virtuemart_userinfos` (
  `virtuemart_userinfo_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_user_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `address_type` char(2) NOT NULL DEFAULT '',
  `address_type_name` varchar(32) NOT NULL DEFAULT '',
  `company` varchar(64),
  `title` varchar(32),
  `last_name` varchar(96),
  `first_name` varchar(96),
  `middle_name` varchar(96),
  `phone_1` varchar(32),
  `phone_2` varchar(32),
  `fax` varchar(32),
  `address_1` varchar(96) NOT NULL DEFAULT '',
  `address_2` varchar(64),
  `city` varchar(96) NOT NULL DEFAULT '',
  `virtuemart_state_id` smallint(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_country_id` smallint(1) UNSIGNED NOT NULL DEFAULT '0',
  `zip` varchar(32) NOT NULL DEFAULT '',
  `agreed` tinyint(1) NOT NULL DEFAULT '0',
  `tos` tinyint(1) NOT NULL DEFAULT '0',
  `customer_note` varchar(5000) NOT NULL DEFAULT '',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_userinfo_id`),
  KEY `i_virtuemart_user_id` (`virtuemart_userinfo_id`,`virtuemart_user_id`),
  KEY `virtuemart_user_id` (`virtuemart_user_id`,`address_type`),
  KEY `address_type` (`address_type`),
  KEY `address_type_name` (`address_type_name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Customer Information, BT = BillTo and ST = ShipTo';

CREATE TABLE `{p}virtuemart_calcs` (
  `virtuemart_calc_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1' COMMENT 'Belongs to vendor',
  `calc_jplugin_id` int(1) NOT NULL DEFAULT '0',
  `calc_name` varchar(64) NOT NULL DEFAULT '' COMMENT 'Name of the rule',
  `calc_descr` varchar(128) NOT NULL DEFAULT '' COMMENT 'Description',
  `calc_kind` varchar(16) NOT NULL DEFAULT '' COMMENT 'Discount/Tax/Margin/Commission',
  `calc_value_mathop` varchar(8) NOT NULL DEFAULT '' COMMENT 'the mathematical operation like (+,-,+%,-%)',
  `calc_value` decimal(10,4) NOT NULL DEFAULT '0.0000' COMMENT 'The Amount',
  `calc_currency` smallint(1) UNSIGNED NOT NULL DEFAULT '0' COMMENT 'Currency of the Rule',
  `calc_shopper_published` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'Visible for Shoppers',
  `calc_vendor_published` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'Visible for Vendors',
  `publish_up` datetime COMMENT 'Startdate if nothing is set = permanent',
  `publish_down` datetime COMMENT 'Enddate if nothing is set = permanent',
  `for_override` tinyint(1) NOT NULL DEFAULT '0',
  `has_categories` tinyint(1),
  `has_shoppergroups` tinyint(1),
  `has_manufacturers` tinyint(1),
  `has_countries` tinyint(1),
  `has_states` tinyint(1),
  `calc_params` varchar(15359) NOT NULL DEFAULT '',
  `ordering` int(1) NOT NULL DEFAULT '0',
  `shared` tinyint(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_calc_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `published` (`published`),
  KEY `calc_kind` (`calc_kind`),
  KEY `shared` (`shared`),
  KEY `publish_up` (`publish_up`),
  KEY `publish_down` (`publish_down`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `{p}virtuemart_categories` (
  `virtuemart_category_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `category_parent_id` int(1) UNSIGNED,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1' COMMENT 'Belongs to vendor',
  `category_template` varchar(128),
  `category_layout` varchar(64),
  `category_product_layout` varchar(64),
  `products_per_row` varchar(1) NOT NULL DEFAULT '',
  `limit_list_step` varchar(32),
  `limit_list_initial` smallint(1) UNSIGNED,
  `hits` int(1) unsigned NOT NULL DEFAULT '0',
  `cat_params` varchar(15359) NOT NULL DEFAULT '',
  `metarobot` varchar(40) NOT NULL DEFAULT '',
  `metaauthor` varchar(64) NOT NULL DEFAULT '',
  `ordering` int(1) NOT NULL DEFAULT '0',
  `shared` tinyint(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `has_children` tinyint(1),
  `has_medias` tinyint(1),
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_category_id`),
  UNIQUE KEY `category_parent_id` (`category_parent_id`,`virtuemart_category_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `published` (`published`),
  KEY `shared` (`shared`),
  KEY `ordering` (`ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Product Categories are stored here';

CREATE TABLE `{p}virtuemart_manufacturers` (
  `virtuemart_manufacturer_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_manufacturercategories_id` int(1),
  `metarobot` varchar(400),
  `metaauthor` varchar(400),
  `hits` int(1) unsigned NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_manufacturer_id`),
  UNIQUE KEY `virtuemart_manufacturercategories_id` (`virtuemart_manufacturer_id`,`virtuemart_manufacturercategories_id`),
  KEY `published` (`published`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Manufacturers are those who deliver products';

CREATE TABLE `{p}virtuemart_medias` (
  `virtuemart_media_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `file_title` varchar(126) NOT NULL DEFAULT '',
  `file_description` varchar(254) NOT NULL DEFAULT '',
  `file_meta` varchar(254) NOT NULL DEFAULT '',
  `file_class` varchar(64) NOT NULL DEFAULT '',
  `file_mimetype` varchar(64) NOT NULL DEFAULT '',
  `file_type` varchar(32) NOT NULL DEFAULT '',
  `file_url` varchar(900) NOT NULL DEFAULT '',
  `file_url_thumb` varchar(900) NOT NULL DEFAULT '',
  `file_is_product_image` tinyint(1) NOT NULL DEFAULT '0',
  `file_is_downloadable` tinyint(1) NOT NULL DEFAULT '0',
  `file_is_forSale` tinyint(1) NOT NULL DEFAULT '0',
  `file_params` varchar(12287) NOT NULL DEFAULT '',
  `file_lang` varchar(500) NOT NULL DEFAULT '',
  `shared` tinyint(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_media_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `published` (`published`),
  KEY `file_type` (`file_type`),
  KEY `shared` (`shared`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Additional Images and Files which are assigned to products';

CREATE TABLE `{p}virtuemart_customs` (
  `virtuemart_custom_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `custom_parent_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `custom_jplugin_id` int(1) NOT NULL DEFAULT '0',
  `custom_element` varchar(50) NOT NULL DEFAULT '',
  `admin_only` tinyint(1) NOT NULL DEFAULT '0' COMMENT '1:Display in admin only',
  `custom_title` varchar(255) NOT NULL DEFAULT '' COMMENT 'field title',
  `show_title` tinyint(1) NOT NULL DEFAULT '1',
  `custom_tip` varchar(255) NOT NULL DEFAULT '' COMMENT 'tip',
  `custom_value` varchar(4095) COMMENT 'default value',
  `custom_desc` varchar(4095) COMMENT 'description or unit',
  `field_type` varchar(2) NOT NULL DEFAULT '0' COMMENT 'S:string,I:int,P:parent, B:bool,D:date,T:time,H:hidden',
  `is_list` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'list of values',
  `is_hidden` tinyint(1) NOT NULL DEFAULT '0' COMMENT '1:hidden',
  `is_cart_attribute` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'Add attributes to cart',
  `is_input` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'Add input to cart',
  `searchable` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'Available as search filter',
  `layout_pos` varchar(24) COMMENT 'Layout Position',
  `custom_params` text,
  `virtuemart_shoppergroup_id` varchar(255) NOT NULL,
  `shared` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'valid for all vendors?',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `ordering` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_custom_id`),
  KEY `field_type_searchable_published` (`field_type`, `searchable`, `published`),
  KEY `custom_parent_id` (`custom_parent_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `custom_element` (`custom_element`),
  KEY `field_type` (`field_type`),
  KEY `is_cart_attribute` (`is_cart_attribute`),
  KEY `is_input` (`is_input`),
  KEY `searchable` (`searchable`),
  KEY `shared` (`shared`),
  KEY `published` (`published`),
  KEY `ordering` (`ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='custom fields definition';

CREATE TABLE `{p}virtuemart_products` (
  `virtuemart_product_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `product_parent_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `product_sku` varchar(192),
  `product_gtin` varchar(64),
  `product_mpn` varchar(64),
  `product_weight` decimal(10,4),
  `product_weight_uom` varchar(7),
  `product_length` decimal(10,4),
  `product_width` decimal(10,4),
  `product_height` decimal(10,4),
  `product_lwh_uom` varchar(7),
  `product_url` varchar(255),
  `product_in_stock` int(1) NOT NULL DEFAULT '0',
  `product_ordered` int(1) NOT NULL DEFAULT '0',
  `product_stockhandle` varchar(24) NOT NULL DEFAULT '0',
  `low_stock_notification` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `product_available_date` datetime,
  `product_availability` varchar(32),
  `product_special` tinyint(1) NOT NULL DEFAULT '0',
  `product_discontinued` tinyint(1) NOT NULL DEFAULT '0',
  `product_sales` int(1) NOT NULL DEFAULT '0',
  `product_unit` varchar(8),
  `product_packaging` decimal(8,4) UNSIGNED,
  `product_params` varchar(255) NOT NULL,
  `product_canon_category_id` INT(1),
  `hits` int(1) unsigned,
  `intnotes` text,
  `metarobot` varchar(400),
  `metaauthor` varchar(400),
  `layout` varchar(16),
  `published` tinyint(1) NOT NULL DEFAULT '0',
  `pordering` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `has_categories` tinyint(1),
  `has_manufacturers` tinyint(1),
  `has_medias` tinyint(1),
  `has_prices` tinyint(1),
  `has_shoppergroups` tinyint(1),
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_product_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `product_parent_id` (`product_parent_id`),
  KEY `product_special` (`product_special`),
  KEY `product_discontinued` (`product_discontinued`),
  KEY `product_in_stock` (`product_in_stock`),
  KEY `product_ordered` (`product_ordered`),
  KEY `product_sku` (`product_sku`),
  KEY `published` (`published`),
  KEY `pordering` (`pordering`),
  KEY `created_on` (`created_on`),
  KEY `modified_on` (`modified_on`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='All products are stored here.';

CREATE TABLE `{p}virtuemart_product_prices` (
  `virtuemart_product_price_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_product_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_shoppergroup_id` int(1) UNSIGNED  NOT NULL DEFAULT '0',
  `product_price` decimal(15,6),
  `override` tinyint(1),
  `product_override_price` decimal(15,5),
  `product_tax_id` int(1),
  `product_discount_id` int(1),
  `product_currency` smallint(1),
  `product_price_publish_up` datetime,
  `product_price_publish_down` datetime,
  `price_quantity_start` int(1) unsigned NOT NULL default '0',
  `price_quantity_end` int(1) unsigned NOT NULL default '0',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_product_price_id`),
  KEY `virtuemart_product_id` (`virtuemart_product_id`),
  KEY `product_price` (`product_price`),
  KEY `virtuemart_shoppergroup_id` (`virtuemart_shoppergroup_id`),
  KEY `product_price_publish_up` (`product_price_publish_up`),
  KEY `product_price_publish_down` (`product_price_publish_down`),
  KEY `price_quantity_start` (`price_quantity_start`),
  KEY `price_quantity_end` (`price_quantity_end`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Holds price records for a product';

CREATE TABLE `{p}virtuemart_product_categories` (
  `id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_product_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_category_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `ordering` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`id`),
  UNIQUE KEY `virtuemart_product_id` (`virtuemart_product_id`,`virtuemart_category_id`),
  UNIQUE KEY `virtuemart_category_id` (`virtuemart_category_id`,`virtuemart_product_id`),
  KEY `virtuemart_product_id_uid` (`virtuemart_product_id`),
  KEY `virtuemart_category_id_uid` (`virtuemart_category_id`),
  KEY `ordering` (`ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Maps Products to Categories';

CREATE TABLE `{p}virtuemart_product_manufacturers` (
  `id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_product_id` int(1),
  `virtuemart_manufacturer_id` int(1) UNSIGNED,
  PRIMARY KEY (`id`),
  UNIQUE KEY `virtuemart_product_id` (`virtuemart_product_id`,`virtuemart_manufacturer_id`),
  UNIQUE KEY `virtuemart_manufacturer_id` (`virtuemart_manufacturer_id`,`virtuemart_product_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Maps a product to a manufacturer';

CREATE TABLE `{p}virtuemart_product_medias` (
  `id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_product_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_media_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `ordering` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`id`),
  KEY `virtuemart_media_id_uid` (`virtuemart_media_id`),
  UNIQUE KEY `virtuemart_product_id` (`virtuemart_product_id`,`virtuemart_media_id`),
  UNIQUE KEY `virtuemart_media_id` (`virtuemart_media_id`,`virtuemart_product_id`),
  KEY `ordering` (`virtuemart_product_id`, `ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `{p}virtuemart_product_customfields` (
  `virtuemart_customfield_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'field id',
  `virtuemart_product_id` int(1) NOT NULL DEFAULT '0',
  `virtuemart_custom_id` int(1) NOT NULL DEFAULT '1' COMMENT 'custom group id',
  `customfield_value` varchar(2500) COMMENT 'field value',
  `customfield_price` decimal(15,6) COMMENT 'price',
  `disabler` INT(1) UNSIGNED NOT NULL DEFAULT '0',
  `override` INT(1) UNSIGNED NOT NULL DEFAULT '0',
  `noninheritable` INT(1) UNSIGNED NOT NULL DEFAULT '0',
  `customfield_params` text COMMENT 'Param for Plugins',
  `product_sku` varchar(64),
  `product_gtin` varchar(64),
  `product_mpn` varchar(64),
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `ordering` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_customfield_id`),
  UNIQUE KEY `unique_custf_prd_value` (`virtuemart_customfield_id`,`virtuemart_product_id`,`virtuemart_custom_id`,`customfield_value`(50)),
  KEY `unique_cust_prd_value` (`virtuemart_custom_id`,`virtuemart_product_id`,`customfield_value`(50)),
  KEY `customfield_value` (`customfield_value`(50)),
  KEY `virtuemart_product_id` (`virtuemart_product_id`,`ordering`),
  KEY `virtuemart_custom_id` (`virtuemart_custom_id`),
  KEY `published` (`published`),
  KEY `ordering` (`ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='custom fields';

CREATE TABLE `{p}virtuemart_paymentmethods` (
  `virtuemart_paymentmethod_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `payment_jplugin_id` int(1) NOT NULL DEFAULT '0',
  `payment_element` varchar(50) NOT NULL DEFAULT '',
  `payment_params` text,
  `currency_id` int(1) UNSIGNED,
  `shared` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'valide for all vendors?',
  `ordering` int(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_paymentmethod_id`),
  KEY `payment_jplugin_id` (`payment_jplugin_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `payment_element` (`payment_element`,`virtuemart_vendor_id`),
  KEY `ordering` (`ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='The payment methods of your store';

CREATE TABLE `{p}virtuemart_shipmentmethods` (
  `virtuemart_shipmentmethod_id` int(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `shipment_jplugin_id` int(1) NOT NULL DEFAULT '0',
  `shipment_element` varchar(50) NOT NULL DEFAULT '',
  `shipment_params` text,
  `currency_id` int(1) UNSIGNED,
  `ordering` int(1) NOT NULL DEFAULT '0',
  `shared` tinyint(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_shipmentmethod_id`),
  KEY `shipment_jplugin_id` (`shipment_jplugin_id`),
  KEY `shipment_element` (`shipment_element`,`virtuemart_vendor_id`),
  KEY `ordering` (`ordering`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Shipment created from the shipment plugins';

CREATE TABLE `{p}virtuemart_coupons` (
  `virtuemart_coupon_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` INT(1) UNSIGNED NOT NULL,
  `coupon_code` varchar(32) NOT NULL DEFAULT '',
  `percent_or_total` enum('percent','total') NOT NULL DEFAULT 'percent',
  `coupon_type` enum('gift','permanent') NOT NULL DEFAULT 'gift',
  `coupon_value` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `coupon_start_date` datetime,
  `coupon_expiry_date` datetime,
  `coupon_value_valid` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `coupon_used` varchar(200) NOT NULL DEFAULT '',
  `coupon_value_max` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `virtuemart_shoppergroup_ids` text,
  `virtuemart_shopper_ids` text,
  `virtuemart_product_ids` text,
  `virtuemart_category_ids` text,
  `virtuemart_coupon_max_attempt_per_user` TINYINT(4) NOT NULL,
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_coupon_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `coupon_code` (`coupon_code`),
  KEY `coupon_type` (`coupon_type`),
  KEY `published` (`published`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Used to store coupon codes';

CREATE TABLE `{p}virtuemart_orderstates` (
  `virtuemart_orderstate_id` tinyint(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `order_status_code` char(3) NOT NULL DEFAULT '',
  `order_status_name` varchar(64),
  `order_status_color` varchar(64),
  `order_status_description` varchar(12359),
  `order_stock_handle` char(1) NOT NULL DEFAULT 'A',
  `order_status_email_layout` VARCHAR(128) NOT NULL DEFAULT '',
  `ordering` int(1) NOT NULL DEFAULT '0',
  `published` tinyint(1) NOT NULL DEFAULT '1',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_orderstate_id`),
  UNIQUE KEY `order_status_code` (`order_status_code`),
  KEY `ordering` (`ordering`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `published` (`published`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='All available order statuses';

CREATE TABLE `{p}virtuemart_orders` (
  `virtuemart_order_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_user_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `order_note` varchar(5000),
  `order_number` varchar(64),
  `customer_number` varchar(32),
  `order_pass` varchar(34),
  `order_create_invoice_pass` varchar(32),
  `invoice_locked` tinyint(1) NOT NULL DEFAULT '0',
  `order_total` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `order_salesPrice` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `order_billTaxAmount` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `order_billTax` varchar(400),
  `order_billDiscountAmount` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `order_discountAmount` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `order_subtotal` decimal(15,5),
  `order_tax` decimal(12,5),
  `order_shipment` decimal(12,5),
  `order_shipment_tax` decimal(10,5),
  `order_payment` decimal(12,2),
  `order_payment_tax` decimal(10,5),
  `coupon_discount` decimal(12,2) NOT NULL DEFAULT '0.00',
  `coupon_code` varchar(32),
  `order_discount` decimal(12,2) NOT NULL DEFAULT '0.00',
  `order_currency` smallint(1),
  `order_status` char(3),
  `user_currency_id` smallint(1),
  `user_currency_rate` DECIMAL(12,6) NOT NULL DEFAULT '1.000000',
  `user_shoppergroups` varchar(30),
  `payment_currency_id` smallint(1),
  `payment_currency_rate` DECIMAL(12,6) NOT NULL DEFAULT '1.000000',
  `virtuemart_paymentmethod_id` int(1) UNSIGNED,
  `virtuemart_shipmentmethod_id` int(1) UNSIGNED,
  `delivery_date` varchar(200),
  `order_language` varchar(7),
  `ip_address` char(15) NOT NULL DEFAULT '',
  `STsameAsBT` tinyint(1) NOT NULL DEFAULT '0',
  `paid` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `paid_on` datetime,
  `o_hash` varchar(33),
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  `locked_on` datetime,
  `locked_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_order_id`),
  KEY `virtuemart_user_id` (`virtuemart_user_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `order_number` (`order_number`),
  KEY `virtuemart_paymentmethod_id` (`virtuemart_paymentmethod_id`),
  KEY `virtuemart_shipmentmethod_id` (`virtuemart_shipmentmethod_id`),
  KEY `order_status` (`order_status`),
  KEY `created_on` (`created_on`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Used to store all orders';

CREATE TABLE `{p}virtuemart_order_items` (
  `virtuemart_order_item_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_order_id` int(1) UNSIGNED,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `virtuemart_product_id` int(1),
  `order_item_sku` varchar(255) NOT NULL DEFAULT '',
  `order_item_name` varchar(4096) NOT NULL DEFAULT '',
  `product_quantity` int(1),
  `product_item_price` decimal(15,5),
  `product_priceWithoutTax` decimal(15,5),
  `product_tax` decimal(15,5),
  `product_basePriceWithTax` decimal(15,5),
  `product_discountedPriceWithoutTax` decimal(15,5),
  `product_final_price` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `product_subtotal_discount` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `product_subtotal_with_tax` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `order_item_currency` INT(1),
  `order_status` char(3),
  `product_attribute` mediumtext,
  `delivery_date` varchar(200),
  `paid` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `oi_hash` varchar(33),
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_order_item_id`),
  KEY `virtuemart_product_id` (`virtuemart_product_id`),
  KEY `virtuemart_order_id` (`virtuemart_order_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`),
  KEY `order_status` (`order_status`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Stores all items (products) which are part of an order';

CREATE TABLE `{p}virtuemart_order_userinfos` (
  `virtuemart_order_userinfo_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_order_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_user_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `address_type` char(2),
  `address_type_name` varchar(32),
  `company` varchar(64),
  `title` varchar(32),
  `last_name` varchar(96),
  `first_name` varchar(96),
  `middle_name` varchar(96),
  `phone_1` varchar(32),
  `phone_2` varchar(32),
  `fax` varchar(32),
  `address_1` varchar(96) NOT NULL DEFAULT '',
  `address_2` varchar(64) ,
  `city` varchar(96) NOT NULL DEFAULT '',
  `virtuemart_state_id` smallint(1) UNSIGNED NOT NULL DEFAULT '0',
  `virtuemart_country_id` smallint(1) UNSIGNED NOT NULL DEFAULT '0',
  `zip` varchar(32) NOT NULL DEFAULT '',
  `email` varchar(128),
  `agreed` tinyint(1) NOT NULL DEFAULT '0',
  `tos` tinyint(1) NOT NULL DEFAULT '0',
  `customer_note` varchar(5000)  NOT NULL DEFAULT '',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_order_userinfo_id`),
  KEY `virtuemart_order_id` (`virtuemart_order_id`),
  KEY `virtuemart_user_id` (`virtuemart_user_id`,`address_type`),
  KEY `address_type` (`address_type`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Stores the BillTo and ShipTo Information at order time';

CREATE TABLE `{p}virtuemart_order_calc_rules` (
  `virtuemart_order_calc_rule_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_calc_id` int(1) UNSIGNED,
  `virtuemart_order_id` int(1) UNSIGNED,
  `virtuemart_vendor_id` int(1) UNSIGNED NOT NULL DEFAULT '1',
  `virtuemart_order_item_id` int(1),
  `calc_rule_name`  varchar(64) NOT NULL DEFAULT '' COMMENT 'Name of the rule',
  `calc_kind` varchar(16) NOT NULL DEFAULT '' COMMENT 'Discount/Tax/Margin/Commission',
  `calc_mathop` varchar(16) NOT NULL DEFAULT '' COMMENT 'Discount/Tax/Margin/Commission',
  `calc_amount` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `calc_result` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `calc_value` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `calc_currency` int(1),
  `calc_params` varchar(15359) NOT NULL DEFAULT '',
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_order_calc_rule_id`),
  KEY `virtuemart_calc_id` (`virtuemart_calc_id`),
  KEY `virtuemart_order_id` (`virtuemart_order_id`),
  KEY `virtuemart_vendor_id` (`virtuemart_vendor_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Stores all calculation rules which are part of an order';

CREATE TABLE `{p}virtuemart_order_histories` (
  `virtuemart_order_history_id` INT(1) UNSIGNED NOT NULL AUTO_INCREMENT,
  `virtuemart_order_id` int(1) UNSIGNED NOT NULL DEFAULT '0',
  `order_status_code` char(1) NOT NULL DEFAULT '0',
  `customer_notified` tinyint(1) NOT NULL DEFAULT '0',
  `comments` varchar(15359),
  `paid` decimal(15,5) NOT NULL DEFAULT '0.00000',
  `o_hash` varchar(33),
  `created_on` datetime,
  `created_by` int(1) NOT NULL DEFAULT '0',
  `modified_on` datetime,
  `modified_by` int(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`virtuemart_order_history_id`),
  KEY `virtuemart_order_id` (`virtuemart_order_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Stores all actions and changes that occur to an order';

-- models/config.php getCreateConfigTableQuery (VirtueMart creates it on install)
CREATE TABLE IF NOT EXISTS `{p}virtuemart_configs` (
  `virtuemart_config_id` tinyint(1) unsigned NOT NULL AUTO_INCREMENT,
  `config` text,
  `created_on` datetime,
  `created_by` int(11) NOT NULL DEFAULT 0,
  `modified_on` datetime,
  `modified_by` int(11) NOT NULL DEFAULT 0,
  `locked_on` datetime,
  `locked_by` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`virtuemart_config_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Holds configuration settings';
"""

#: ``{lang}`` tables [DOC tableupdater createLanguageTables + tables/*.php setTranslatable]:
#: names varchar(180), meta* varchar(400), *desc text, product_s_desc varchar(2000), other
#: fields varchar(255), all NOT NULL DEFAULT '' except text; ``slug`` varchar(191) UNIQUE.
LANGUAGE_SCHEMA = """
CREATE TABLE `{p}virtuemart_products_{lang}` (
  `virtuemart_product_id` int(1) UNSIGNED NOT NULL,
  `product_s_desc` varchar(2000) NOT NULL DEFAULT '',
  `product_desc` text,
  `product_name` varchar(180) NOT NULL DEFAULT '',
  `metadesc` varchar(400) NOT NULL DEFAULT '',
  `metakey` varchar(400) NOT NULL DEFAULT '',
  `customtitle` varchar(255) NOT NULL DEFAULT '',
  `slug` varchar(191) NOT NULL DEFAULT '',
  PRIMARY KEY (`virtuemart_product_id`),
  UNIQUE KEY `slug` (`slug`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `{p}virtuemart_categories_{lang}` (
  `virtuemart_category_id` int(1) UNSIGNED NOT NULL,
  `category_name` varchar(180) NOT NULL DEFAULT '',
  `category_description` text,
  `metadesc` varchar(400) NOT NULL DEFAULT '',
  `metakey` varchar(400) NOT NULL DEFAULT '',
  `customtitle` varchar(255) NOT NULL DEFAULT '',
  `slug` varchar(191) NOT NULL DEFAULT '',
  PRIMARY KEY (`virtuemart_category_id`),
  UNIQUE KEY `slug` (`slug`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `{p}virtuemart_manufacturers_{lang}` (
  `virtuemart_manufacturer_id` int(1) UNSIGNED NOT NULL,
  `mf_name` varchar(180) NOT NULL DEFAULT '',
  `mf_email` varchar(255) NOT NULL DEFAULT '',
  `mf_desc` text,
  `mf_url` varchar(255) NOT NULL DEFAULT '',
  `metadesc` varchar(400) NOT NULL DEFAULT '',
  `metakey` varchar(400) NOT NULL DEFAULT '',
  `customtitle` varchar(255) NOT NULL DEFAULT '',
  `slug` varchar(191) NOT NULL DEFAULT '',
  PRIMARY KEY (`virtuemart_manufacturer_id`),
  UNIQUE KEY `slug` (`slug`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `{p}virtuemart_paymentmethods_{lang}` (
  `virtuemart_paymentmethod_id` int(1) UNSIGNED NOT NULL,
  `payment_name` varchar(180) NOT NULL DEFAULT '',
  `payment_desc` text,
  `slug` varchar(191) NOT NULL DEFAULT '',
  PRIMARY KEY (`virtuemart_paymentmethod_id`),
  UNIQUE KEY `slug` (`slug`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `{p}virtuemart_shipmentmethods_{lang}` (
  `virtuemart_shipmentmethod_id` int(1) UNSIGNED NOT NULL,
  `shipment_name` varchar(180) NOT NULL DEFAULT '',
  `shipment_desc` text,
  `slug` varchar(191) NOT NULL DEFAULT '',
  PRIMARY KEY (`virtuemart_shipmentmethod_id`),
  UNIQUE KEY `slug` (`slug`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""

#: Joomla 4's ``#__users`` and ``#__user_usergroup_map`` (installation/sql/mysql/base.sql) [INF: from memory of Joomla 4.x].
JOOMLA_SCHEMA = """
CREATE TABLE `{p}users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(400) NOT NULL DEFAULT '',
  `username` varchar(150) NOT NULL DEFAULT '',
  `email` varchar(100) NOT NULL DEFAULT '',
  `password` varchar(100) NOT NULL DEFAULT '',
  `block` tinyint NOT NULL DEFAULT 0,
  `sendEmail` tinyint DEFAULT 0,
  `registerDate` datetime NOT NULL,
  `lastvisitDate` datetime,
  `activation` varchar(100) NOT NULL DEFAULT '',
  `params` text NOT NULL,
  `lastResetTime` datetime COMMENT 'Date of last password reset',
  `resetCount` int NOT NULL DEFAULT 0 COMMENT 'Count of password resets since lastResetTime',
  `otpKey` varchar(1000) NOT NULL DEFAULT '' COMMENT 'Two factor authentication encrypted keys',
  `otep` varchar(1000) NOT NULL DEFAULT '' COMMENT 'One time emergency passwords',
  `requireReset` tinyint NOT NULL DEFAULT 0 COMMENT 'Require user to reset password on next login',
  `authProvider` varchar(100) NOT NULL DEFAULT '' COMMENT 'Name of used authentication plugin',
  PRIMARY KEY (`id`),
  KEY `idx_name` (`name`(100)),
  KEY `idx_block` (`block`),
  UNIQUE KEY `idx_username` (`username`),
  KEY `email` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 DEFAULT COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{p}user_usergroup_map` (
  `user_id` int unsigned NOT NULL DEFAULT 0 COMMENT 'Foreign Key to #__users.id',
  `group_id` int unsigned NOT NULL DEFAULT 0 COMMENT 'Foreign Key to #__usergroups.id',
  PRIMARY KEY (`user_id`,`group_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 DEFAULT COLLATE=utf8mb4_unicode_ci;
"""


def schema_statements(prefix="jml4_", language="de_de"):
    """The CREATE TABLE statements for ``prefix`` and ``language`` (``de_de``)."""
    text = "\n".join((SCHEMA, LANGUAGE_SCHEMA, JOOMLA_SCHEMA)).format(p=prefix, lang=language)
    return [part.strip() for part in text.split(";\n") if part.strip()]


# --------------------------------------------------------------------------- money

CENT = Decimal("0.01")


def r2(value):
    """PHP ``round($x, 2)``: half away from zero."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def r9(value):
    """``roundInternal`` without a name: 9 digits."""
    return Decimal(value).quantize(Decimal("0.000000001"), rounding=ROUND_HALF_UP)


def unit_prices(product_price, rate):
    """VM's ``getProductPrices`` for a net ``product_price`` and one VatTax rule ``rate`` (%)
    without other rules: the per-unit values written to ``order_items``."""
    rate = Decimal(rate)
    base = r2(product_price)  # basePrice = basePriceVariant ('basePrice' rounding)
    with_tax = r2(base + r9(r9(base + base * rate / 100) - base))  # basePriceWithTax
    sales = r2(base + base * rate / 100)  # salesPrice
    after_tax = r2(sales - abs(sales / (1 + Decimal(100) / rate))) if rate else sales
    tax = sales - after_tax  # taxAmount (the revert calculation)
    return {
        "product_item_price": base,
        "product_basePriceWithTax": with_tax,
        "product_final_price": sales,
        "product_tax": tax,
        "product_priceWithoutTax": sales - tax,
        "product_discountedPriceWithoutTax": sales - tax,
        "discount": r9(with_tax - sales) * -1,
    }


def method_tax(net, rate):
    """``setCartPrices``: the tax of a shipment/payment cost with a fixed ``tax_id``."""
    net = r2(net)
    return r2(r9(r9(net + net * Decimal(rate) / 100) - net))


def checkout(lines, *, shipment, payment, coupon=None, calcs, cart_rules=()):
    """VM's ``getCheckoutPrices`` for ``lines`` [{"price": net, "tax_id", "quantity"}],
    shipment/payment ``(net, tax_id)``, a coupon row (or None) and cart rules (``calcs``
    rows of kind DBTaxRulesBill / DATaxRulesBill, percentages: ``-%``); ``calcs`` maps calc
    ids to their rows. Returns ``(line_values, header, vat)``; ``header["cart_rules"]`` holds
    ``(calc row, Diff)`` per cart rule (``order_calc_rules.calc_amount``)."""
    out = []
    sales_total = tax_total = net_total = discount_total = Decimal(0)
    vat = {}
    for line in lines:
        calc = calcs[line["tax_id"]]
        unit = unit_prices(line["price"], calc["calc_value"])
        qty = int(line["quantity"])
        values = {k: v for k, v in unit.items() if k != "discount"}
        values["product_subtotal_with_tax"] = unit["product_final_price"] * qty
        values["product_subtotal_discount"] = r2(unit["discount"]) * qty
        out.append(values)
        sales_total += values["product_subtotal_with_tax"]
        tax_total += unit["product_tax"] * qty
        net_total += unit["product_priceWithoutTax"] * qty
        discount_total += values["product_subtotal_discount"]
        rule = vat.setdefault(
            calc["virtuemart_calc_id"], {"taxAmount": Decimal(0), "subTotal": Decimal(0)}
        )
        rule["taxAmount"] += unit["product_tax"] * qty
        rule["subTotal"] += unit["product_final_price"] * qty
    coupon_value = Decimal(0)
    if coupon:
        value = Decimal(coupon["coupon_value"])
        if coupon["percent_or_total"] == "total":
            coupon_value = -value
        else:
            coupon_value = -(sales_total * (value / 100))
        cap = Decimal(coupon["coupon_value_max"] or 0)
        if cap > 0 and abs(coupon_value) > cap:
            coupon_value = -cap
    # calculationh.php: the cart's rules before tax come off the products' gross (their tax
    # per VAT rule through DBTax), those after tax off what the taxes leave.
    applied, before = [], Decimal(0)
    for rule_row in (r for r in cart_rules if r["calc_kind"] == "DBTaxRulesBill"):
        factor = 1 - Decimal(rule_row["calc_value"]) / 100
        diff = r2(sales_total * factor) - sales_total
        before += diff
        applied.append((rule_row, diff))
        for rule in vat.values():
            if "subTotal" in rule:
                rule["DBTax"] = rule.get("DBTax", Decimal(0)) + (
                    r2(rule["subTotal"] * factor) - rule["subTotal"]
                )
    to_tax = sales_total + before
    after = Decimal(0)
    for rule_row in (r for r in cart_rules if r["calc_kind"] == "DATaxRulesBill"):
        diff = r2(to_tax * (1 - Decimal(rule_row["calc_value"]) / 100)) - to_tax
        after += diff
        applied.append((rule_row, diff))
    ship_net, ship_calc = r2(shipment[0]), shipment[1]
    pay_net, pay_calc = r2(payment[0]), payment[1]
    ship_tax = method_tax(ship_net, calcs[ship_calc]["calc_value"])
    pay_tax = method_tax(pay_net, calcs[pay_calc]["calc_value"])
    bill_tax = tax_total + ship_tax + pay_tax
    total = (ship_net + ship_tax) + (pay_net + pay_tax) + to_tax + after + coupon_value
    total = max(total, Decimal(0))
    if coupon or before:
        for calc_id, rule in vat.items():
            sub = rule["subTotal"] + rule.get("DBTax", Decimal(0))
            share = sub / (sales_total + before) if sub < sales_total else 1
            rate = Decimal(calcs[calc_id]["calc_value"])
            rule["discountTaxAmount"] = r2(
                (coupon_value * share + rule.get("DBTax", Decimal(0))) / (100 + rate) * rate
            )
            bill_tax += rule["discountTaxAmount"]
    bill_tax = max(bill_tax, Decimal(0))
    vat.setdefault(ship_calc, {})["shipmentTax"] = ship_tax
    vat.setdefault(pay_calc, {})["paymentTax"] = pay_tax
    for calc_id, rule in vat.items():
        rule["result"] = sum(
            rule.get(key, Decimal(0))
            for key in ("taxAmount", "discountTaxAmount", "shipmentTax", "paymentTax")
        )
        rule["calc_name"] = calcs[calc_id]["calc_name"]
        rule["calc_value"] = calcs[calc_id]["calc_value"]
    header = {
        "order_total": total,
        "order_salesPrice": sales_total,
        "order_billTaxAmount": bill_tax,
        "order_billTax": json.dumps(
            {
                str(calc_id): {
                    "virtuemart_calc_id": str(calc_id),
                    "calc_name": rule["calc_name"],
                    "calc_value": f"{Decimal(rule['calc_value']):.4f}",
                    "result": float(rule["result"]),
                }
                for calc_id, rule in vat.items()
            }
        ),
        "order_billDiscountAmount": discount_total,
        "order_discountAmount": discount_total,
        "order_subtotal": net_total,
        "order_tax": tax_total,
        "order_shipment": ship_net,
        "order_shipment_tax": ship_tax,
        "order_payment": pay_net,
        "order_payment_tax": pay_tax,
        "coupon_code": coupon["coupon_code"] if coupon else None,
        "coupon_discount": r2(coupon_value),
        "order_discount": discount_total,
        "cart_rules": applied,
    }
    return out, header, vat


# --------------------------------------------------------------------------- seed data

#: the shop's cart rules (calcs of the whole cart, not published to every cart by the seed:
#: ``create_orders(cart_rules=[...])`` says which a cart meets): (id, name, kind, percent)
CART_RULES = (
    (10, "Frühjahrsrabatt 3 %", "DBTaxRulesBill", "3"),
    (11, "Treuerabatt 5 %", "DATaxRulesBill", "5"),
)

#: (name, category id, manufacturer id, VAT calc id, gross price, weight kg)
CATALOGUE = [
    ("Edelstahl-Kochtopf 24 cm", 1, 1, 1, "39.90", "1.8"),
    ("Schneidebrett aus Buche", 1, 2, 1, "19.99", "0.9"),
    ("Gartenschere Profi", 2, 3, 1, "24.95", "0.3"),
    ("Akku-Bohrschrauber 18 V", 3, 3, 1, "89.00", "1.6"),
    ("Bio-Kaffeebohnen Hochland 1 kg", 5, 2, 2, "16.49", "1.0"),
    ("Waldhonig 500 g", 4, 2, 2, "7.95", "0.6"),
    ("Gießkanne 10 l", 2, 1, 1, "12.50", "0.7"),
    ("Werkzeugkoffer 96-teilig", 3, 3, 1, "59.90", "4.2"),
    ("Pfeffermühle Keramik", 1, 1, 1, "14.99", "0.4"),
    ("Darjeeling Tee 250 g", 4, 2, 2, "9.49", "0.3"),
    ("Rasensprenger Kreisregner", 2, 1, 1, "18.75", "0.5"),
    ("Schraubendreher-Set 12-teilig", 3, 3, 1, "21.30", "0.8"),
    ("Espresso Crema 500 g", 5, 2, 2, "8.99", "0.5"),
    ("Bratpfanne Gusseisen 28 cm", 1, 1, 1, "44.00", "2.9"),
    ("Hochbeet Lärche", 2, 1, 1, "129.00", "18.0"),
    ("Wasserwaage 60 cm", 3, 3, 1, "16.95", "0.6"),
    ("Olivenöl extra vergine 1 l", 4, 2, 2, "12.99", "1.0"),
    ("Messerblock 6-teilig", 1, 1, 1, "79.95", "2.4"),
    ("Pflanzkübel Terrakotta", 2, 1, 1, "22.49", "3.1"),
    ("Zollstock Holz 2 m", 3, 3, 1, "6.99", "0.2"),
]

#: parents with child variants: (name, category, manufacturer, gross price, [(suffix, label)])
VARIANT_PARENTS = [
    (
        "Gartenhandschuhe Leder",
        2,
        1,
        "11.90",
        [("S", "Größe S"), ("M", "Größe M"), ("L", "Größe L")],
    ),
    ("Schürze Baumwolle", 1, 2, "17.50", [("ROT", "Farbe Rot"), ("BLAU", "Farbe Blau")]),
]

ORDER_STATES = [
    # code, name, stock handle, ordering
    ("P", "COM_VIRTUEMART_ORDER_STATUS_PENDING", "R", 1),
    ("U", "COM_VIRTUEMART_ORDER_STATUS_CONFIRMED_BY_SHOPPER", "R", 2),
    ("C", "COM_VIRTUEMART_ORDER_STATUS_CONFIRMED", "R", 3),
    ("X", "COM_VIRTUEMART_ORDER_STATUS_CANCELLED", "A", 4),
    ("R", "COM_VIRTUEMART_ORDER_STATUS_REFUNDED", "A", 5),
    ("S", "COM_VIRTUEMART_ORDER_STATUS_SHIPPED", "O", 6),
    ("F", "COM_VIRTUEMART_ORDER_STATUS_COMPLETED", "R", 7),
    ("D", "COM_VIRTUEMART_ORDER_STATUS_DENIED", "A", 8),
    ("W", "Warten auf Vorkasse", "R", 9),
    ("Z", "Retoure", "A", 10),
]
DEFAULT_STATES = "PUCXRSFD"
OWN_STATES = "WZ"

#: payment methods: id, element, name, description, fee net
PAYMENTS = [
    (1, "standard", "Vorkasse", "Überweisung vor Versand", "0"),
    (2, "paypal", "PayPal", "Bezahlen mit PayPal", "0"),
    (3, "standard", "Rechnung", "Kauf auf Rechnung (1,50 € Gebühr)", "1.50"),
]
#: shipment methods: id, element, name, description, cost net
SHIPMENTS = [
    (1, "weight_countries", "DHL Paket", "Lieferung in 1-3 Werktagen", "4.90"),
    (2, "weight_countries", "DPD Classic", "Lieferung in 2-4 Werktagen", "5.90"),
    (3, "weight_countries", "Abholung im Laden", "Selbstabholung in Köln", "0"),
]
COUPONS = [
    ("WILLKOMMEN5", "total", "5.00", "30.00"),
    ("SOMMER10", "total", "10.00", "30.00"),
    ("TREUE10", "percent", "10.00", "0.00"),
]
COUNTRIES = [
    (81, "Germany", "DEU", "DE", "276"),
    (14, "Austria", "AUT", "AT", "040"),
    (204, "Switzerland", "CHE", "CH", "756"),
]
STATES = [
    (554, 81, "Freie und Hansestadt Hamburg", "HAM", "HH"),
    (557, 81, "Nordrhein-Westfalen", "NRW", "NW"),
    (561, 81, "Freistaat Bayern", "BAV", "BY"),
    (563, 81, "Berlin", "BER", "BE"),
]
EUR = 47
GUEST_GROUP, DEFAULT_GROUP, TRADE_GROUP = 1, 2, 3
ADMIN_USER = 499
#: status -> the statuses an order passes after its creation in P (first = the confirmation)
STATUS_PATHS = {
    "P": ["P"],
    "U": ["U"],
    "C": ["C"],
    "W": ["W"],
    "S": ["C", "S"],
    "F": ["C", "S", "F"],
    "X": ["P", "X"],
    "R": ["C", "S", "R"],
    "D": ["P", "D"],
    "Z": ["C", "S", "Z"],
}
SEED_STATUSES = "PUCCSSFFXWWC"
HUMAN = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _slug(text, taken):
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
    )
    base = "".join(c if c.isalnum() else "-" for c in text.lower().translate(table))
    base = "-".join(part for part in base.split("-") if part)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _sql_dt(value):
    return value.replace(microsecond=0, tzinfo=None)


def _utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)


def server_settings():
    """The MariaDB server from ``STORESYNC_MARIADB_*`` (defaults: the dev script's)."""
    return {
        "host": os.environ.get("STORESYNC_MARIADB_HOST", "127.0.0.1"),
        "port": int(os.environ.get("STORESYNC_MARIADB_PORT", "3399")),
        "user": os.environ.get("STORESYNC_MARIADB_USER", "storesync"),
        "password": os.environ.get("STORESYNC_MARIADB_PASSWORD", "storesync"),
    }


# --------------------------------------------------------------------------- fault proxy


class FaultProxy:
    """A TCP proxy on 127.0.0.1 (free port) in front of ``target``; pending faults are
    consumed one per new client connection (see the module docstring)."""

    STALL_SECONDS = 30.0

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.faults = []
        self.lock = threading.Lock()
        self.sockets = set()
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, name="vm-fault-proxy", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def set_faults(self, kinds, count=1):
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        with self.lock:
            for _ in range(count):
                self.faults.extend("reset" if k in ("500", "503", "429") else k for k in kinds)

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    def stop(self):
        self.stopped.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        self.thread.join(2)
        with self.lock:
            sockets = list(self.sockets)
            self.sockets.clear()
        for sock in sockets:
            self._close(sock)

    def _track(self, sock):
        with self.lock:
            self.sockets.add(sock)

    def _close(self, sock, reset=False):
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            if reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    def _accept_loop(self):
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            client.settimeout(None)
            with self.lock:
                fault = self.faults.pop(0) if self.faults else None
            self._track(client)
            if fault == "refuse":
                self._close(client, reset=True)
            elif fault == "stall":
                threading.Thread(target=self._stall, args=(client,), daemon=True).start()
            else:
                threading.Thread(
                    target=self._serve, args=(client, fault == "reset"), daemon=True
                ).start()

    def _stall(self, client):
        self.stopped.wait(self.STALL_SECONDS)
        self._close(client)

    def _serve(self, client, cut_after_login):
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._close(client, reset=True)
            return
        upstream.settimeout(None)
        self._track(upstream)
        pair = (client, upstream)
        threading.Thread(
            target=self._pump, args=(upstream, client, pair, False), daemon=True
        ).start()
        self._pump(client, upstream, pair, cut_after_login)

    def _pump(self, source, target, pair, cut_after_login):
        """Copy ``source`` to ``target``; with ``cut_after_login`` the client's second packet
        (its first command after the login packet) cuts both connections."""
        chunks = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                chunks += 1
                if cut_after_login and chunks >= 2:
                    break
                target.sendall(data)
        except OSError:
            pass
        for sock in pair:
            self._close(sock, reset=cut_after_login)


# --------------------------------------------------------------------------- the shop


class VirtueMartShop:
    """A seeded VirtueMart shop in its own MariaDB database (see the module docstring)."""

    def __init__(
        self, seed=1, orders=40, products=12, *, prefix="jml4_", language="de_de", database=None
    ):
        self.seed = seed
        self.n_orders = orders
        self.n_products = products
        self.prefix = prefix
        self.language = language
        self.named = database is not None
        self.database = database or f"vm_{secrets.token_hex(4)}"
        server = server_settings()
        self.server_host, self.server_port = server["host"], server["port"]
        self.user, self.password = server["user"], server["password"]
        self.host, self.port = self.server_host, self.server_port
        self.url = f"http://vm-{self.database.replace('_', '-')}.test"
        self.proxy = None
        self.lock = threading.RLock()
        self.conn = None
        self.rng = random.Random(seed)
        self.fake = Faker("de_DE")
        self.fake.seed_instance(seed)

    # ------------------------------------------------------------ life cycle

    def start(self, proxy=True):
        """Create (or, for a named database that has the tables, reuse) and seed the
        database; start the fault proxy. Returns self."""
        admin = pymysql.connect(
            host=self.server_host,
            port=self.server_port,
            user=self.user,
            password=self.password,
            charset="utf8mb4",
            autocommit=True,
        )
        try:
            with admin.cursor() as cur:
                cur.execute(
                    f"CREATE DATABASE IF NOT EXISTS `{self.database}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
                cur.execute(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=%s "
                    "AND table_name=%s",
                    (self.database, f"{self.prefix}virtuemart_orders"),
                )
                exists = cur.fetchone()[0] > 0
        finally:
            admin.close()
        self.conn = pymysql.connect(
            host=self.server_host,
            port=self.server_port,
            user=self.user,
            password=self.password,
            database=self.database,
            charset="utf8mb4",
            autocommit=True,
            cursorclass=pymysql.cursors.DictCursor,
            client_flag=pymysql.constants.CLIENT.FOUND_ROWS,
        )
        if not exists:
            with self.conn.cursor() as cur:
                for statement in schema_statements(self.prefix, self.language):
                    cur.execute(statement)
            self._seed()
        if proxy:
            self.proxy = FaultProxy(self.server_host, self.server_port).start()
            self.host, self.port = "127.0.0.1", self.proxy.port
        return self

    def stop(self):
        """Stop the proxy; drop the database unless it was named by the caller."""
        if self.proxy:
            self.proxy.stop()
            self.proxy = None
            self.host, self.port = self.server_host, self.server_port
        if self.conn:
            with self.conn.cursor() as cur:
                for copy in getattr(self, "_snapshots", []):
                    cur.execute(f"DROP DATABASE IF EXISTS `{copy}`")
                if not self.named:
                    cur.execute(f"DROP DATABASE IF EXISTS `{self.database}`")
            self._snapshots = []
            self.conn.close()
            self.conn = None

    close = stop

    def __enter__(self):
        if self.conn is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def credentials(self):
        """The adapter's credential values, as strings."""
        return {
            "vm_db_host": str(self.host),
            "vm_db_port": str(self.port),
            "vm_db_name": self.database,
            "vm_db_user": self.user,
            "vm_db_password": self.password,
            "vm_table_prefix": self.prefix,
            "vm_language": self.language,
        }

    def set_faults(self, kinds, count=1):
        self.proxy.set_faults(kinds, count)

    # ------------------------------------------------------------ the HTTP emulators' control
    # (``store.snapshot()``/``restore()``, request log, rate limit), so tests treat every
    # emulated store alike; the shop has no request log and no rate limit.

    @property
    def store(self):
        return self

    def _tables(self):
        rows = self.query(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema=%s "
            "AND table_name LIKE %s",
            self.database,
            self.prefix.replace("_", "\\_") + "%",
        )
        return sorted(row["name"] for row in rows)

    def snapshot(self):
        """Copy every table into a database of its own; ``restore`` puts them back."""
        copy = f"{self.database}_snap{secrets.token_hex(2)}"
        with self.lock, self.conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{copy}` CHARACTER SET utf8mb4")
            for table in self._tables():
                cur.execute(f"CREATE TABLE `{copy}`.`{table}` LIKE `{table}`")
                cur.execute(f"INSERT INTO `{copy}`.`{table}` SELECT * FROM `{table}`")
        self._snapshots = [*getattr(self, "_snapshots", []), copy]
        return {"database": copy, "rng": self.rng.getstate()}

    def restore(self, state):
        """Every table as ``snapshot`` found it (auto-increment counters included)."""
        with self.lock, self.conn.cursor() as cur:
            for table in self._tables():
                cur.execute(f"TRUNCATE TABLE `{table}`")
                cur.execute(f"INSERT INTO `{table}` SELECT * FROM `{state['database']}`.`{table}`")
        self.rng.setstate(state["rng"])

    def clear_request_log(self):
        """Nothing to clear: the database keeps no request log."""

    def reset_rate_limit(self):
        """Nothing to reset: a database has no rate limit."""

    def clear_faults(self):
        if self.proxy:
            self.proxy.clear_faults()

    # ------------------------------------------------------------ SQL

    def _sql(self, sql):
        return sql.replace("{p}", self.prefix).replace("{lang}", self.language)

    def query(self, sql, *args):
        """Rows as dicts; ``{p}`` in ``sql`` is the table prefix, ``{lang}`` the language."""
        with self.lock, self.conn.cursor() as cur:
            cur.execute(self._sql(sql), args or None)
            return list(cur.fetchall())

    def execute(self, sql, *args):
        """Run one statement (committed); returns the affected row count."""
        with self.lock, self.conn.cursor() as cur:
            return cur.execute(self._sql(sql), args or None)

    def _insert(self, cur, table, row):
        columns = ", ".join(f"`{c}`" for c in row)
        marks = ", ".join(["%s"] * len(row))
        cur.execute(
            f"INSERT INTO `{self.prefix}{table}` ({columns}) VALUES ({marks})", list(row.values())
        )
        return cur.lastrowid

    def _insert_many(self, cur, table, rows):
        for row in rows:
            self._insert(cur, table, row)

    # ------------------------------------------------------------ seed

    def _seed(self):
        now = _utcnow()
        self.now = now
        with self.lock, self.conn.cursor() as cur:
            self.conn.begin()
            self._seed_shop(cur, now)
            self._seed_catalogue(cur, now)
            self._seed_customers(cur, now)
            self.conn.commit()
        self._seed_orders(now)

    def _seed_shop(self, cur, now):
        created = _sql_dt(now - dt.timedelta(days=400))
        base = {"created_on": created, "modified_on": created}
        # VirtueMart's configuration (VmConfig::toString: key=<json>|...): this shop e-mails
        # its shoppers on C, S, X and R, not on U (the default also has U).
        self._insert(
            cur,
            "virtuemart_configs",
            {
                "virtuemart_config_id": 1,
                "config": 'shop_is_offline=0|email_os_s=["C","S","X","R"]|'
                'email_os_v=["U","C","R","X"]|vmlang="de-DE"|',
                **base,
            },
        )
        self._insert(
            cur,
            "virtuemart_vendors",
            {
                "virtuemart_vendor_id": 1,
                "vendor_name": "Muster Handel GmbH",
                "vendor_currency": EUR,
                "vendor_accepted_currencies": str(EUR),
                "vendor_params": 'vendor_min_pov=""|vendor_min_poq=1|vendor_freeshipment=0|',
                **base,
            },
        )
        for cid, name, code, num, symbol in (
            (EUR, "Euro", "EUR", 978, "€"),
            (27, "Swiss franc", "CHF", 756, "CHF"),
        ):
            self._insert(
                cur,
                "virtuemart_currencies",
                {
                    "virtuemart_currency_id": cid,
                    "virtuemart_vendor_id": 1,
                    "currency_name": name,
                    "currency_code_2": "",
                    "currency_code_3": code,
                    "currency_numeric_code": num,
                    "currency_exchange_rate": 0,
                    "currency_symbol": symbol,
                    "currency_decimal_place": "2",
                    "currency_decimal_symbol": ",",
                    "currency_thousands": ".",
                    "currency_positive_style": "{number} {symbol}",
                    "currency_negative_style": "{sign}{number} {symbol}",
                    **base,
                },
            )
        for cid, name, c3, c2, num in COUNTRIES:
            self._insert(
                cur,
                "virtuemart_countries",
                {
                    "virtuemart_country_id": cid,
                    "country_name": name,
                    "country_3_code": c3,
                    "country_2_code": c2,
                    "country_num_code": num,
                    **base,
                },
            )
        for sid, cid, name, s3, s2 in STATES:
            self._insert(
                cur,
                "virtuemart_states",
                {
                    "virtuemart_state_id": sid,
                    "virtuemart_country_id": cid,
                    "state_name": name,
                    "state_3_code": s3,
                    "state_2_code": s2,
                    **base,
                },
            )
        for calc_id, rate in ((1, 19), (2, 7)):
            self._insert(
                cur,
                "virtuemart_calcs",
                {
                    "virtuemart_calc_id": calc_id,
                    "calc_name": f"MwSt. {rate}%",
                    "calc_descr": f"Umsatzsteuer {rate} %",
                    "calc_kind": "VatTax",
                    "calc_value_mathop": "+%",
                    "calc_value": rate,
                    "calc_currency": EUR,
                    "calc_shopper_published": 1,
                    "calc_vendor_published": 1,
                    "ordering": calc_id,
                    **base,
                },
            )
        for calc_id, name, kind, value in CART_RULES:
            self._insert(
                cur,
                "virtuemart_calcs",
                {
                    "virtuemart_calc_id": calc_id,
                    "calc_name": name,
                    "calc_descr": name,
                    "calc_kind": kind,
                    "calc_value_mathop": "-%",
                    "calc_value": value,
                    "calc_currency": EUR,
                    "calc_shopper_published": 1,
                    "calc_vendor_published": 1,
                    "ordering": calc_id,
                    **base,
                },
            )
        for gid, name, desc, default in (
            (
                GUEST_GROUP,
                "COM_VIRTUEMART_SHOPPERGROUP_GUEST",
                "COM_VIRTUEMART_SHOPPERGROUP_GUEST_TIP",
                2,
            ),
            (
                DEFAULT_GROUP,
                "COM_VIRTUEMART_SHOPPERGROUP_DEFAULT",
                "COM_VIRTUEMART_SHOPPERGROUP_DEFAULT_TIP",
                1,
            ),
            (TRADE_GROUP, "Händler", "Wiederverkäufer mit Händlerpreisen", 0),
        ):
            self._insert(
                cur,
                "virtuemart_shoppergroups",
                {
                    "virtuemart_shoppergroup_id": gid,
                    "virtuemart_vendor_id": 1,
                    "shopper_group_name": name,
                    "shopper_group_desc": desc,
                    "price_display": b"",
                    "default": default,
                    "shared": 1 if default else 0,
                    **base,
                },
            )
        for code, name, handle, ordering in ORDER_STATES:
            self._insert(
                cur,
                "virtuemart_orderstates",
                {
                    "order_status_code": code,
                    "order_status_name": name,
                    "order_status_description": "",
                    "order_stock_handle": handle,
                    "ordering": ordering,
                    "virtuemart_vendor_id": 1,
                    **base,
                },
            )
        taken = set()
        for pid, element, name, desc, fee in PAYMENTS:
            params = (
                f'payment_logos=""|cost_per_transaction="{fee}"|cost_min_transaction=""|'
                'cost_percent_total=""|tax_id="1"|status_pending="P"|status_success="C"|'
            )
            self._insert(
                cur,
                "virtuemart_paymentmethods",
                {
                    "virtuemart_paymentmethod_id": pid,
                    "payment_element": element,
                    "payment_params": params,
                    "currency_id": EUR,
                    "ordering": pid,
                    **base,
                },
            )
            self._insert(
                cur,
                f"virtuemart_paymentmethods_{self.language}",
                {
                    "virtuemart_paymentmethod_id": pid,
                    "payment_name": name,
                    "payment_desc": desc,
                    "slug": _slug(name, taken),
                },
            )
        taken = set()
        for sid, element, name, desc, cost in SHIPMENTS:
            params = (
                f'shipment_logos=""|countries=["81","14","204"]|shipment_cost="{cost}"|'
                'package_fee=""|tax_id="1"|free_shipment=""|'
            )
            self._insert(
                cur,
                "virtuemart_shipmentmethods",
                {
                    "virtuemart_shipmentmethod_id": sid,
                    "shipment_element": element,
                    "shipment_params": params,
                    "currency_id": EUR,
                    "ordering": sid,
                    **base,
                },
            )
            self._insert(
                cur,
                f"virtuemart_shipmentmethods_{self.language}",
                {
                    "virtuemart_shipmentmethod_id": sid,
                    "shipment_name": name,
                    "shipment_desc": desc,
                    "slug": _slug(name, taken),
                },
            )
        for code, kind, value, valid in COUPONS:
            self._insert(
                cur,
                "virtuemart_coupons",
                {
                    "virtuemart_vendor_id": 1,
                    "coupon_code": code,
                    "percent_or_total": kind,
                    "coupon_type": "permanent",
                    "coupon_value": value,
                    "coupon_start_date": created,
                    "coupon_value_valid": valid,
                    "virtuemart_coupon_max_attempt_per_user": 0,
                    **base,
                },
            )
        for cid, title, tip, value, desc, ftype, layout, params in (
            (
                1,
                "COM_VIRTUEMART_RELATED_PRODUCTS",
                "COM_VIRTUEMART_RELATED_PRODUCTS_TIP",
                "related_products",
                "COM_VIRTUEMART_RELATED_PRODUCTS_DESC",
                "R",
                "related_products",
                'wPrice="1"|wImage="1"|wDescr="1"|',
            ),
            (
                2,
                "COM_VIRTUEMART_RELATED_CATEGORIES",
                "COM_VIRTUEMART_RELATED_CATEGORIES_TIP",
                "related_categories",
                "COM_VIRTUEMART_RELATED_CATEGORIES_DESC",
                "Z",
                "related_categories",
                'wImage="1"|wDescr="1"|',
            ),
            (
                3,
                "Variante",
                "",
                "product_name",
                "",
                "A",
                "addtocart",
                'withParent="0"|parentOrderable="0"|',
            ),
        ):
            self._insert(
                cur,
                "virtuemart_customs",
                {
                    "virtuemart_custom_id": cid,
                    "virtuemart_vendor_id": 0 if cid < 3 else 1,
                    "custom_title": title,
                    "custom_tip": tip,
                    "custom_value": value,
                    "custom_desc": desc,
                    "field_type": ftype,
                    "is_cart_attribute": int(cid == 3),
                    "layout_pos": layout,
                    "custom_params": params,
                    "virtuemart_shoppergroup_id": "",
                    **base,
                },
            )

    def _seed_catalogue(self, cur, now):
        rng = self.rng
        created = _sql_dt(now - dt.timedelta(days=300))
        base = {"created_on": created, "modified_on": created}
        taken = set()
        for cid, name, parent in (
            (1, "Küche", 0),
            (2, "Garten", 0),
            (3, "Werkzeug", 0),
            (4, "Lebensmittel", 0),
            (5, "Kaffee", 4),
        ):
            self._insert(
                cur,
                "virtuemart_categories",
                {
                    "virtuemart_category_id": cid,
                    "category_parent_id": parent,
                    "virtuemart_vendor_id": 1,
                    "ordering": cid,
                    "has_children": int(cid == 4),
                    **base,
                },
            )
            self._insert(
                cur,
                f"virtuemart_categories_{self.language}",
                {
                    "virtuemart_category_id": cid,
                    "category_name": name,
                    "category_description": f"<p>Alles rund um {name}.</p>",
                    "slug": _slug(name, taken),
                },
            )
        taken = set()
        for mid, name, url in (
            (1, "Haushaltswaren Schmidt GmbH", "https://schmidt.example"),
            (2, "Feinkost Müller KG", "https://mueller.example"),
            (3, "Werkzeugbau Becker AG", "https://becker.example"),
        ):
            self._insert(
                cur,
                "virtuemart_manufacturers",
                {
                    "virtuemart_manufacturer_id": mid,
                    "virtuemart_manufacturercategories_id": 0,
                    **base,
                },
            )
            self._insert(
                cur,
                f"virtuemart_manufacturers_{self.language}",
                {
                    "virtuemart_manufacturer_id": mid,
                    "mf_name": name,
                    "mf_email": f"info@{url.split('//')[1]}",
                    "mf_desc": f"<p>{name}</p>",
                    "mf_url": url,
                    "slug": _slug(name, taken),
                },
            )
        self.product_slugs = set()
        self.price_plan = {}
        pid = 0
        catalogue = [CATALOGUE[i % len(CATALOGUE)] for i in range(self.n_products)]
        for index, (name, cat, mf, tax_id, gross, weight) in enumerate(catalogue):
            pid += 1
            if index >= len(CATALOGUE):
                name = f"{name} ({index // len(CATALOGUE) + 1})"
            self._add_product(
                cur,
                pid,
                0,
                f"VM-{1000 + pid}",
                name,
                cat,
                mf,
                tax_id,
                gross,
                weight,
                rng.randint(5, 120),
                created,
            )
        for p_index, (name, cat, mf, gross, children) in enumerate(
            VARIANT_PARENTS[: 2 if self.n_products >= 8 else 1]
        ):
            pid += 1
            parent_id, parent_sku = pid, f"VM-P{p_index + 1:02d}"
            self._add_product(
                cur, parent_id, 0, parent_sku, name, cat, mf, 1, gross, "0.2", 0, created
            )
            field = self._insert(
                cur,
                "virtuemart_product_customfields",
                {
                    "virtuemart_product_id": parent_id,
                    "virtuemart_custom_id": 3,
                    "customfield_value": "product_name",
                    "customfield_params": "",
                    "ordering": 0,
                },
            )
            self.price_plan[parent_id]["customfield"] = field
            for suffix, label in children:
                pid += 1
                self._add_product(
                    cur,
                    pid,
                    parent_id,
                    f"{parent_sku}-{suffix}",
                    f"{name} {label}",
                    cat,
                    mf,
                    1,
                    gross,
                    "0.2",
                    rng.randint(3, 40),
                    created,
                    attribute_field=field,
                )
        for media_id, product_id in enumerate(range(1, pid + 1), start=1):
            self._insert(
                cur,
                "virtuemart_medias",
                {
                    "virtuemart_media_id": media_id,
                    "file_title": f"produkt-{product_id}.jpg",
                    "file_mimetype": "image/jpeg",
                    "file_type": "product",
                    "file_url": f"images/virtuemart/product/produkt-{product_id}.jpg",
                    "file_url_thumb": f"images/virtuemart/product/resized/produkt-{product_id}_0x90.jpg",
                    "file_is_product_image": 1,
                    **base,
                },
            )
            self._insert(
                cur,
                "virtuemart_product_medias",
                {
                    "virtuemart_product_id": product_id,
                    "virtuemart_media_id": media_id,
                    "ordering": 1,
                },
            )
        # extra price rows (see the module docstring)
        past, future = now - dt.timedelta(days=3), now + dt.timedelta(days=30)
        for product_id in (1, 2):
            if product_id <= self.n_products:
                self._price_row(cur, product_id, factor="0.90", start=5, base=base)
        if self.n_products >= 3:
            self._price_row(
                cur, 3, factor="0.80", up=_sql_dt(past), down=_sql_dt(future), base=base
            )
        if self.n_products >= 4:
            self._price_row(
                cur,
                4,
                factor="0.70",
                up=_sql_dt(now - dt.timedelta(days=40)),
                down=_sql_dt(now - dt.timedelta(days=10)),
                base=base,
            )
        for product_id in (1, 2, 3):
            if product_id <= self.n_products:
                self._price_row(cur, product_id, factor="0.85", group=TRADE_GROUP, base=base)

    def _add_product(
        self,
        cur,
        pid,
        parent,
        sku,
        name,
        cat,
        mf,
        tax_id,
        gross,
        weight,
        stock,
        created,
        attribute_field=None,
    ):
        net = (Decimal(gross) / (1 + Decimal(19 if tax_id == 1 else 7) / 100)).quantize(
            Decimal("0.000001"), rounding=ROUND_HALF_UP
        )
        self._insert(
            cur,
            "virtuemart_products",
            {
                "virtuemart_product_id": pid,
                "virtuemart_vendor_id": 1,
                "product_parent_id": parent,
                "product_sku": sku,
                "product_gtin": f"40{self.rng.randint(10**10, 10**11 - 1)}",
                "product_mpn": f"MPN-{pid:04d}",
                "product_weight": weight,
                "product_weight_uom": "KG",
                "product_length": 30,
                "product_width": 20,
                "product_height": 10,
                "product_lwh_uom": "CM",
                "product_in_stock": stock,
                "product_ordered": 0,
                "product_stockhandle": "0",
                "low_stock_notification": 3,
                "product_availability": "",
                "product_unit": "KG",
                "product_params": 'min_order_level=""|max_order_level=""|step_order_level=""|shared_stock="0"|',
                "published": 1,
                "pordering": pid,
                "has_categories": 1,
                "has_manufacturers": 1,
                "has_medias": 1,
                "has_prices": 1,
                "has_shoppergroups": 0,
                "created_on": created,
                "modified_on": created,
            },
        )
        self._insert(
            cur,
            f"virtuemart_products_{self.language}",
            {
                "virtuemart_product_id": pid,
                "product_name": name,
                "product_s_desc": f"{name} in bewährter Qualität.",
                "product_desc": f"<p>{name}: {self.fake.sentence(nb_words=10)}</p>",
                "metadesc": name,
                "slug": _slug(name, self.product_slugs),
            },
        )
        self._insert(
            cur,
            "virtuemart_product_categories",
            {"virtuemart_product_id": pid, "virtuemart_category_id": cat, "ordering": pid},
        )
        self._insert(
            cur,
            "virtuemart_product_manufacturers",
            {"virtuemart_product_id": pid, "virtuemart_manufacturer_id": mf},
        )
        self.price_plan[pid] = {"net": net, "tax_id": tax_id, "attribute_field": attribute_field}
        self._price_row(cur, pid, base={"created_on": created, "modified_on": created})

    def _price_row(self, cur, pid, *, factor="1", start=0, up=None, down=None, group=0, base):
        net = (self.price_plan[pid]["net"] * Decimal(factor)).quantize(
            Decimal("0.000001"), rounding=ROUND_HALF_UP
        )
        self._insert(
            cur,
            "virtuemart_product_prices",
            {
                "virtuemart_product_id": pid,
                "virtuemart_shoppergroup_id": group,
                "product_price": net,
                "override": 0,
                "product_override_price": 0,
                "product_tax_id": self.price_plan[pid]["tax_id"],
                "product_discount_id": 0,
                "product_currency": EUR,
                "product_price_publish_up": up,
                "product_price_publish_down": down,
                "price_quantity_start": start,
                "price_quantity_end": 0,
                **base,
            },
        )

    def _seed_customers(self, cur, now):
        rng = self.rng
        created = _sql_dt(now - dt.timedelta(days=365))
        self._insert(
            cur,
            "users",
            {
                "id": ADMIN_USER,
                "name": "Super User",
                "username": "admin",
                "email": "shop@muster-handel.example",
                "password": self._password_hash("admin"),
                "registerDate": created,
                "lastvisitDate": _sql_dt(now),
                "params": "{}",
            },
        )
        self._insert(
            cur,
            "virtuemart_vmusers",
            {
                "virtuemart_user_id": ADMIN_USER,
                "virtuemart_vendor_id": 1,
                "user_is_vendor": 1,
                "customer_number": self._customer_number("admin"),
                "agreed": 1,
                "created_on": created,
                "modified_on": created,
            },
        )
        self.customers = []
        for index in range(max(4, self.n_orders // 5)):
            uid = 500 + index
            person = self._person(company=index == 1)
            username = f"{person['first_name'][:1]}{person['last_name']}{uid}".lower()
            username = "".join(c for c in username if c.isalnum())
            registered = _sql_dt(now - dt.timedelta(days=rng.randint(70, 360)))
            self._insert(
                cur,
                "users",
                {
                    "id": uid,
                    "name": f"{person['first_name']} {person['last_name']}",
                    "username": username,
                    "email": person["email"],
                    "password": self._password_hash(username),
                    "registerDate": registered,
                    "lastvisitDate": _sql_dt(now - dt.timedelta(days=rng.randint(0, 60))),
                    "params": "{}",
                },
            )
            self._insert(
                cur,
                "virtuemart_vmusers",
                {
                    "virtuemart_user_id": uid,
                    "virtuemart_vendor_id": 0,
                    "customer_number": self._customer_number(username),
                    "virtuemart_paymentmethod_id": None,
                    "virtuemart_shipmentmethod_id": None,
                    "agreed": 1,
                    "created_on": registered,
                    "modified_on": registered,
                },
            )
            group = TRADE_GROUP if index == 1 else DEFAULT_GROUP
            self._insert(
                cur,
                "virtuemart_vmuser_shoppergroups",
                {"virtuemart_user_id": uid, "virtuemart_shoppergroup_id": group},
            )
            address = {k: v for k, v in person.items() if k != "email"}
            self._insert(
                cur,
                "virtuemart_userinfos",
                {
                    "virtuemart_user_id": uid,
                    "address_type": "BT",
                    "address_type_name": "",
                    **address,
                    "agreed": 1,
                    "tos": 1,
                    "created_on": registered,
                    "modified_on": registered,
                },
            )
            shipping = None
            if index % 3 == 2:
                shipping = self._person()
                shipping.pop("email")
                self._insert(
                    cur,
                    "virtuemart_userinfos",
                    {
                        "virtuemart_user_id": uid,
                        "address_type": "ST",
                        "address_type_name": "Lieferadresse",
                        **shipping,
                        "created_on": registered,
                        "modified_on": registered,
                    },
                )
            self.customers.append(
                {"id": uid, "bt": person, "st": shipping, "group": group, "username": username}
            )

    @staticmethod
    def _password_hash(username):
        # Joomla 4 uses bcrypt; a fixed bcrypt-looking hash keeps the seed fast [INF]
        digest = hashlib.sha256(username.encode()).hexdigest()[:53]
        return f"$2y$10${digest}"

    @staticmethod
    def _customer_number(username):
        # VM's usermodel: an md5-based customer number [INF]
        return hashlib.md5(username.encode()).hexdigest()[:9].upper()

    def _person(self, company=False, email=None):
        fake, rng = self.fake, self.rng
        country = rng.choices([81, 14, 204], weights=[8, 1, 1])[0]
        first, last = fake.first_name(), fake.last_name()
        return {
            "company": fake.company() if company else None,
            "title": rng.choice(["Mr", "Mrs"]),
            "first_name": first,
            "middle_name": None,
            "last_name": last,
            "phone_1": fake.phone_number() if rng.random() < 0.8 else None,
            "phone_2": None,
            "fax": None,
            "address_1": fake.street_address(),
            "address_2": None,
            "city": fake.city(),
            "zip": fake.postcode(),
            "virtuemart_state_id": rng.choice([554, 557, 561, 563]) if country == 81 else 0,
            "virtuemart_country_id": country,
            "email": email or self._email(first, last),
        }

    def _email(self, first, last):
        table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
        local = f"{first}.{last}".lower().translate(table)
        local = "".join(c for c in local if c.isalnum() or c == ".")
        return f"{local}{self.rng.randint(1, 999)}@{self.rng.choice(['example.de', 'example.com', 'example.at'])}"

    def _seed_orders(self, now):
        rng = self.rng
        guests = []
        statuses = [SEED_STATUSES[i % len(SEED_STATUSES)] for i in range(self.n_orders)]
        for i in range(min(2, self.n_orders // 10)):
            statuses[5 + i * 7] = "R"
        rng.shuffle(statuses)
        starts = sorted(now - dt.timedelta(days=rng.uniform(1, 60)) for _ in range(self.n_orders))
        for index, (status, created) in enumerate(zip(statuses, starts, strict=True)):
            if rng.random() < 0.55:
                buyer = {"user_id": rng.choice(self.customers)["id"]}
            elif guests and rng.random() < 0.35:
                buyer = {"email": rng.choice(guests)}
            else:
                buyer = {"email": None}
            lines = None
            coupon = rng.choice(["WILLKOMMEN5", "SOMMER10"]) if index % 6 == 3 else None
            span = min(now - created, dt.timedelta(days=rng.uniform(0.05, 4)))
            order_id = self._create_order(
                status=status,
                lines=lines,
                coupon=coupon,
                created=_sql_dt(created),
                modified=_sql_dt(created + span),
                **buyer,
            )
            if "email" in buyer and buyer["email"] is None:
                email = self.query(
                    "SELECT email FROM {p}virtuemart_order_userinfos WHERE virtuemart_order_id=%s "
                    "AND address_type='BT'",
                    order_id,
                )[0]["email"]
                guests.append(email)

    # ------------------------------------------------------------ orders

    def _calcs(self, cur):
        cur.execute(f"SELECT * FROM `{self.prefix}virtuemart_calcs`")
        return {row["virtuemart_calc_id"]: row for row in cur.fetchall()}

    def _select_price(self, cur, product_id, quantity, groups, now):
        """``getRawProductPrices`` (front end): the row VM uses for ``quantity``."""
        cur.execute(
            f"SELECT * FROM `{self.prefix}virtuemart_product_prices` WHERE "
            "virtuemart_product_id=%s AND (virtuemart_shoppergroup_id IN %s OR "
            "virtuemart_shoppergroup_id IS NULL OR virtuemart_shoppergroup_id=0) AND "
            "(product_price_publish_up IS NULL OR product_price_publish_up <= %s) AND "
            "(product_price_publish_down IS NULL OR product_price_publish_down >= %s) "
            "ORDER BY product_price DESC",
            (product_id, tuple(groups), now, now),
        )
        rows = cur.fetchall()
        selected, empty_group = None, 0
        for k, row in enumerate(rows):
            start, end = row["price_quantity_start"] or 0, row["price_quantity_end"] or 0
            fits = (not end and start <= quantity) or (start <= quantity <= end)
            if not row["virtuemart_shoppergroup_id"] and not empty_group and fits:
                empty_group = k
            elif fits:
                selected = k
        if selected is None:
            selected = empty_group
        return rows[selected] if rows else None

    def _buyer(self, cur, user_id, email):
        if user_id:
            cur.execute(f"SELECT * FROM `{self.prefix}users` WHERE id=%s", (user_id,))
            user = cur.fetchone()
            cur.execute(
                f"SELECT * FROM `{self.prefix}virtuemart_userinfos` WHERE virtuemart_user_id=%s",
                (user_id,),
            )
            infos = {row["address_type"]: row for row in cur.fetchall()}
            cur.execute(
                f"SELECT virtuemart_shoppergroup_id FROM "
                f"`{self.prefix}virtuemart_vmuser_shoppergroups` WHERE virtuemart_user_id=%s",
                (user_id,),
            )
            groups = [row["virtuemart_shoppergroup_id"] for row in cur.fetchall()] or [
                DEFAULT_GROUP
            ]
            cur.execute(
                f"SELECT customer_number FROM `{self.prefix}virtuemart_vmusers` "
                "WHERE virtuemart_user_id=%s",
                (user_id,),
            )
            number = cur.fetchone()["customer_number"]
            keys = (
                "company",
                "title",
                "first_name",
                "middle_name",
                "last_name",
                "phone_1",
                "phone_2",
                "fax",
                "address_1",
                "address_2",
                "city",
                "zip",
                "virtuemart_state_id",
                "virtuemart_country_id",
            )
            bt = {k: infos["BT"][k] for k in keys}
            bt["email"] = user["email"]
            st = {k: infos["ST"][k] for k in keys} if "ST" in infos else None
            return {"user_id": user_id, "bt": bt, "st": st, "groups": groups, "number": number}
        bt = self._person(company=self.rng.random() < 0.15, email=email)
        if email:
            # a returning guest: the same person as before
            cur.execute(
                f"SELECT * FROM `{self.prefix}virtuemart_order_userinfos` WHERE email=%s "
                "AND address_type='BT' ORDER BY virtuemart_order_id LIMIT 1",
                (email,),
            )
            previous = cur.fetchone()
            if previous:
                bt = {k: previous[k] for k in bt}
        st = None
        if self.rng.random() < 0.3:
            st = self._person()
            st.pop("email")
        return {"user_id": 0, "bt": bt, "st": st, "groups": [GUEST_GROUP], "number": None}

    def _create_order(
        self,
        *,
        status="C",
        lines=None,
        email=None,
        user_id=None,
        coupon=None,
        created=None,
        modified=None,
        payment=None,
        shipment=None,
        cart_rules=(),
    ):
        """One checkout (``createOrderFromCart``) followed by the status path to ``status``;
        ``cart_rules``: ids of the shop's cart rules (``CART_RULES``) the cart meets."""
        rng = self.rng
        created = created or _utcnow()
        modified = max(modified or created, created)
        with self.lock, self.conn.cursor() as cur:
            self.conn.begin()
            try:
                buyer = self._buyer(cur, user_id, email)
                calcs = self._calcs(cur)
                if lines is None:
                    cur.execute(
                        f"SELECT virtuemart_product_id AS id FROM `{self.prefix}virtuemart_products` p "
                        "WHERE NOT EXISTS (SELECT 1 FROM "
                        f"`{self.prefix}virtuemart_products` c WHERE c.product_parent_id="
                        "p.virtuemart_product_id) ORDER BY virtuemart_product_id"
                    )
                    ids = [row["id"] for row in cur.fetchall()]
                    picked = rng.sample(ids, k=min(len(ids), rng.choice([1, 1, 2, 2, 3])))
                    wanted = [(pid, rng.choice([1, 1, 1, 2, 2, 3, 5])) for pid in picked]
                else:
                    wanted = []
                    for line in lines:
                        cur.execute(
                            f"SELECT virtuemart_product_id FROM `{self.prefix}virtuemart_products` "
                            "WHERE product_sku=%s",
                            (line["sku"],),
                        )
                        row = cur.fetchone()
                        if row is None:
                            raise KeyError(f"unknown SKU {line['sku']!r}")
                        wanted.append((row["virtuemart_product_id"], int(line.get("quantity", 1))))
                products, cart = [], []
                for pid, qty in wanted:
                    cur.execute(
                        f"SELECT p.*, l.product_name FROM `{self.prefix}virtuemart_products` p "
                        f"JOIN `{self.prefix}virtuemart_products_{self.language}` l "
                        "USING (virtuemart_product_id) WHERE p.virtuemart_product_id=%s",
                        (pid,),
                    )
                    product = cur.fetchone()
                    price = self._select_price(cur, pid, qty, buyer["groups"], created)
                    if price is None and product["product_parent_id"]:
                        price = self._select_price(
                            cur, product["product_parent_id"], qty, buyer["groups"], created
                        )
                    products.append((product, qty))
                    cart.append(
                        {
                            "price": price["product_price"],
                            "tax_id": price["product_tax_id"],
                            "quantity": qty,
                        }
                    )
                payment_id = payment or rng.choice([p[0] for p in PAYMENTS])
                shipment_id = shipment or rng.choice([s[0] for s in SHIPMENTS])
                pay_fee = Decimal(next(p[4] for p in PAYMENTS if p[0] == payment_id))
                ship_cost = Decimal(next(s[4] for s in SHIPMENTS if s[0] == shipment_id))
                coupon_row = None
                if coupon:
                    cur.execute(
                        f"SELECT * FROM `{self.prefix}virtuemart_coupons` WHERE coupon_code=%s",
                        (coupon,),
                    )
                    coupon_row = cur.fetchone()
                    if coupon_row is None:
                        raise KeyError(f"unknown coupon {coupon!r}")
                rules = [calcs[calc_id] for calc_id in cart_rules]
                values, header, vat = checkout(
                    cart,
                    shipment=(ship_cost, 1),
                    payment=(pay_fee, 1),
                    coupon=coupon_row,
                    calcs=calcs,
                    cart_rules=rules,
                )
                if coupon_row and header["order_salesPrice"] < Decimal(
                    coupon_row["coupon_value_valid"]
                ):
                    # below the coupon's minimum: VM refuses the coupon at checkout
                    coupon_row = None
                    values, header, vat = checkout(
                        cart,
                        shipment=(ship_cost, 1),
                        payment=(pay_fee, 1),
                        coupon=None,
                        calcs=calcs,
                        cart_rules=rules,
                    )
                applied = header.pop("cart_rules")
                cur.execute(
                    f"SELECT COUNT(1) AS n FROM `{self.prefix}virtuemart_orders` "
                    "WHERE virtuemart_vendor_id=1"
                )
                count = cur.fetchone()["n"]
                bt = buyer["bt"]
                number = buyer["number"] or (
                    "nonreg_"
                    + (bt["first_name"] or "")[:2]
                    + (bt["last_name"] or "")[:2]
                    + (bt["email"] or "")[:2]
                    + created.strftime("%Y%m%d_%H%M%S_")
                )
                same = buyer["st"] is None
                order_id = self._insert(
                    cur,
                    "virtuemart_orders",
                    {
                        "virtuemart_user_id": buyer["user_id"],
                        "virtuemart_vendor_id": 1,
                        "order_number": "".join(rng.choice(HUMAN) for _ in range(4)) + f"0{count}",
                        "customer_number": number,
                        "order_pass": "p_"
                        + "".join(rng.choice(HUMAN.lower() + HUMAN) for _ in range(8)),
                        "order_create_invoice_pass": f"{rng.getrandbits(32):08x}",
                        **header,
                        "order_currency": EUR,
                        "order_status": "P",
                        "user_currency_id": EUR,
                        "user_currency_rate": 1,
                        "user_shoppergroups": ",".join(map(str, buyer["groups"])),
                        "payment_currency_id": EUR,
                        "payment_currency_rate": 1,
                        "virtuemart_paymentmethod_id": payment_id,
                        "virtuemart_shipmentmethod_id": shipment_id,
                        "order_language": "de-DE",
                        "ip_address": f"192.168.{rng.randint(0, 255)}.xx",
                        "STsameAsBT": int(same),
                        "created_on": created,
                        "created_by": buyer["user_id"],
                        "modified_on": created,
                        "modified_by": buyer["user_id"],
                    },
                )
                item_ids = []
                for (product, qty), line in zip(products, values, strict=True):
                    field = (
                        self.price_plan.get(product["virtuemart_product_id"], {}).get(
                            "attribute_field"
                        )
                        if hasattr(self, "price_plan")
                        else None
                    )
                    if field is None and product["product_parent_id"]:
                        cur.execute(
                            f"SELECT virtuemart_customfield_id FROM "
                            f"`{self.prefix}virtuemart_product_customfields` "
                            "WHERE virtuemart_product_id=%s AND virtuemart_custom_id=3",
                            (product["product_parent_id"],),
                        )
                        row = cur.fetchone()
                        field = row and row["virtuemart_customfield_id"]
                    attribute = json.dumps({"3": str(field)}) if field else ""
                    item_id = self._insert(
                        cur,
                        "virtuemart_order_items",
                        {
                            "virtuemart_order_id": order_id,
                            "virtuemart_vendor_id": 1,
                            "virtuemart_product_id": product["virtuemart_product_id"],
                            "order_item_sku": product["product_sku"],
                            "order_item_name": product["product_name"],
                            "product_quantity": qty,
                            **line,
                            "order_status": "P",
                            "product_attribute": attribute,
                            "created_on": created,
                            "created_by": buyer["user_id"],
                            "modified_on": created,
                            "modified_by": buyer["user_id"],
                        },
                    )
                    item_ids.append(item_id)
                    self._move_stock(cur, product["virtuemart_product_id"], qty, "N", "P")
                for (_product, _qty), item_id, item in zip(products, item_ids, cart, strict=True):
                    calc = calcs[item["tax_id"]]
                    unit_tax = values[item_ids.index(item_id)]["product_tax"]
                    self._calc_row(
                        cur,
                        order_id,
                        created,
                        calc,
                        kind="VatTax",
                        item_id=item_id,
                        amount=unit_tax,
                        result=vat[calc["virtuemart_calc_id"]]["result"],
                    )
                for rule_row, diff in applied:
                    # _createOrderCalcRules' bill rules: calc_amount is the rule's Diff.
                    self._calc_row(
                        cur, order_id, created, rule_row, kind=rule_row["calc_kind"], amount=diff
                    )
                self._calc_row(
                    cur,
                    order_id,
                    created,
                    calcs[1],
                    kind="payment",
                    amount=header["order_payment_tax"],
                )
                self._calc_row(
                    cur,
                    order_id,
                    created,
                    calcs[1],
                    kind="shipment",
                    amount=header["order_shipment_tax"],
                )
                self._history(cur, order_id, "P", 0, "", created)
                for address_type, info in (("BT", bt), ("ST", buyer["st"])):
                    if info is None:
                        continue
                    row = dict(info)
                    if address_type == "ST":
                        row.pop("email", None)
                    self._insert(
                        cur,
                        "virtuemart_order_userinfos",
                        {
                            "virtuemart_order_id": order_id,
                            "virtuemart_user_id": buyer["user_id"],
                            "address_type": address_type,
                            "address_type_name": "" if address_type == "BT" else "Lieferadresse",
                            **row,
                            "agreed": 1 if address_type == "BT" else 0,
                            "tos": 1 if address_type == "BT" else 0,
                            "customer_note": "Bitte klingeln."
                            if address_type == "BT" and rng.random() < 0.1
                            else "",
                            "created_on": created,
                            "modified_on": created,
                            "created_by": buyer["user_id"],
                            "modified_by": buyer["user_id"],
                        },
                    )
                path = STATUS_PATHS.get(status, [status])
                if status not in STATUS_PATHS and status not in {s[0] for s in ORDER_STATES}:
                    raise ValueError(f"unknown order status {status!r}")
                steps = len(path)
                for step, new in enumerate(path):
                    when = created + (modified - created) * (step + 1) / steps
                    self._change_status(cur, order_id, new, _sql_dt(when), notified=1, comment="")
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise
        return order_id

    def _calc_row(
        self, cur, order_id, when, calc, *, kind, amount, item_id=None, result=Decimal(0)
    ):
        self._insert(
            cur,
            "virtuemart_order_calc_rules",
            {
                "virtuemart_calc_id": calc["virtuemart_calc_id"],
                "virtuemart_order_id": order_id,
                "virtuemart_vendor_id": calc["virtuemart_vendor_id"],
                "virtuemart_order_item_id": item_id,
                "calc_rule_name": calc["calc_name"],
                "calc_kind": kind,
                "calc_mathop": calc["calc_value_mathop"],
                "calc_amount": amount,
                "calc_result": result,
                "calc_value": calc["calc_value"],
                "calc_currency": calc["calc_currency"],
                "calc_params": calc["calc_params"],
                "created_on": when,
                "modified_on": when,
            },
        )

    def _history(self, cur, order_id, status, notified, comment, when):
        cur.execute(
            f"SELECT paid, o_hash FROM `{self.prefix}virtuemart_orders` "
            "WHERE virtuemart_order_id=%s",
            (order_id,),
        )
        order = cur.fetchone()
        self._insert(
            cur,
            "virtuemart_order_histories",
            {
                "virtuemart_order_id": order_id,
                "order_status_code": status[:1],
                "customer_notified": notified,
                "comments": comment,
                "paid": order["paid"],
                "o_hash": order["o_hash"],
                "created_on": when,
                "modified_on": when,
            },
        )

    def _handles(self, cur):
        cur.execute(
            f"SELECT order_status_code, order_stock_handle FROM "
            f"`{self.prefix}virtuemart_orderstates`"
        )
        handles = {row["order_status_code"]: row["order_stock_handle"] for row in cur.fetchall()}
        handles["N"] = "A"
        return handles

    def _move_stock(self, cur, product_id, quantity, old, new):
        """``handleStockAfterStatusChangedPerProduct`` + ``updateStockInDB``."""
        handles = self._handles(cur)
        if old not in handles or new not in handles:
            raise ValueError(f"unknown order status {old!r} or {new!r}")
        is_out, was_out = handles[new] == "O", handles[old] == "O"
        is_res, was_res = handles[new] == "R", handles[old] == "R"
        updates = []
        if is_out != was_out:
            sign = "-" if is_out else "+"
            updates.append(f"product_in_stock = product_in_stock {sign} {int(quantity)}")
            updates.append(
                f"product_sales = product_sales {'+' if is_out else '-'} {int(quantity)}"
            )
        if is_res != was_res:
            updates.append(
                f"product_ordered = product_ordered {'+' if is_res else '-'} {int(quantity)}"
            )
        if updates:
            cur.execute(
                f"SELECT product_parent_id, product_params FROM `{self.prefix}virtuemart_products` "
                "WHERE virtuemart_product_id=%s",
                (product_id,),
            )
            row = cur.fetchone()
            if (
                row
                and row["product_parent_id"]
                and 'shared_stock="1"' in (row["product_params"] or "")
            ):
                product_id = row["product_parent_id"]  # updateStockInDB: the parent's stock
            cur.execute(
                f"UPDATE `{self.prefix}virtuemart_products` SET {', '.join(updates)} "
                "WHERE virtuemart_product_id=%s",
                (product_id,),
            )

    def _change_status(self, cur, order_id, new, when, *, notified=1, comment=""):
        """``updateStatusForOneOrder``: order + items + stock + paid + history."""
        cur.execute(
            f"SELECT * FROM `{self.prefix}virtuemart_orders` WHERE virtuemart_order_id=%s",
            (order_id,),
        )
        order = cur.fetchone()
        if order is None:
            raise KeyError(f"unknown order {order_id}")
        cur.execute(
            f"SELECT * FROM `{self.prefix}virtuemart_order_items` WHERE virtuemart_order_id=%s",
            (order_id,),
        )
        for item in cur.fetchall():
            if item["order_status"] != new:
                self._move_stock(
                    cur,
                    item["virtuemart_product_id"],
                    item["product_quantity"],
                    item["order_status"],
                    new,
                )
        cur.execute(
            f"UPDATE `{self.prefix}virtuemart_order_items` SET order_status=%s, "
            "modified_on=%s WHERE virtuemart_order_id=%s",
            (new, when, order_id),
        )
        changes = {"order_status": new, "modified_on": when}
        if new == "C" and not order["paid"]:
            changes.update(paid=order["order_total"], paid_on=when)
        sets = ", ".join(f"`{k}`=%s" for k in changes)
        cur.execute(
            f"UPDATE `{self.prefix}virtuemart_orders` SET {sets} WHERE virtuemart_order_id=%s",
            (*changes.values(), order_id),
        )
        self._history(cur, order_id, new, notified, comment, when)

    # ------------------------------------------------------------ public mutations

    def create_orders(
        self,
        count,
        *,
        status="C",
        lines=None,
        email=None,
        user_id=None,
        coupon=None,
        payment=None,
        shipment=None,
        cart_rules=(),
    ):
        """``count`` new orders as VM's checkout writes them, then confirmed to ``status``;
        ``lines`` = [{"sku", "quantity"}] (default: random products), ``email`` a guest's
        e-mail, ``user_id`` a registered buyer (Joomla user id), ``coupon`` a coupon code,
        ``payment``/``shipment`` method ids, ``cart_rules`` the ids of cart rules
        (``CART_RULES``) the cart meets. Returns the order ids."""
        return [
            self._create_order(
                status=status,
                lines=lines,
                email=email,
                user_id=user_id,
                coupon=coupon,
                payment=payment,
                shipment=shipment,
                cart_rules=cart_rules,
            )
            for _ in range(count)
        ]

    def modify_order(self, order_id, *, status=None, comment="", notified=1, **columns):
        """Change an order as the back office does: ``status`` (order + items, stock
        bookkeeping, ``paid`` on C, one history row with ``comment``/``notified``) and any
        other ``virtuemart_orders`` columns; ``modified_on`` = now."""
        now = _utcnow()
        with self.lock, self.conn.cursor() as cur:
            self.conn.begin()
            try:
                if status is not None:
                    self._change_status(
                        cur, order_id, status, now, notified=notified, comment=comment
                    )
                elif comment:
                    cur.execute(
                        f"SELECT order_status FROM `{self.prefix}virtuemart_orders` "
                        "WHERE virtuemart_order_id=%s",
                        (order_id,),
                    )
                    self._history(
                        cur, order_id, cur.fetchone()["order_status"], notified, comment, now
                    )
                columns["modified_on"] = now
                sets = ", ".join(f"`{k}`=%s" for k in columns)
                if not cur.execute(
                    f"UPDATE `{self.prefix}virtuemart_orders` SET {sets} "
                    "WHERE virtuemart_order_id=%s",
                    (*columns.values(), order_id),
                ):
                    raise KeyError(f"unknown order {order_id}")
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise

    def order_totals(self):
        """``{str(order id): Decimal(order_total)}``."""
        return {
            str(row["virtuemart_order_id"]): row["order_total"]
            for row in self.query(
                "SELECT virtuemart_order_id, order_total FROM {p}virtuemart_orders"
            )
        }

    def order_status(self, order_id):
        rows = self.query(
            "SELECT order_status FROM {p}virtuemart_orders WHERE virtuemart_order_id=%s", order_id
        )
        if not rows:
            raise KeyError(f"unknown order {order_id}")
        return rows[0]["order_status"]

    def product_by_sku(self, sku):
        """The ``products`` row + ``product_name`` + its default price row's
        ``product_price``/``product_tax_id`` (group 0, no tier, no date window)."""
        rows = self.query(
            "SELECT p.*, l.product_name, pr.product_price, pr.product_tax_id "
            "FROM {p}virtuemart_products p "
            "JOIN {p}virtuemart_products_{lang} l USING (virtuemart_product_id) "
            "LEFT JOIN {p}virtuemart_product_prices pr ON pr.virtuemart_product_id="
            "p.virtuemart_product_id AND pr.virtuemart_shoppergroup_id=0 AND "
            "pr.price_quantity_start=0 AND pr.product_price_publish_up IS NULL "
            "WHERE p.product_sku=%s ORDER BY pr.virtuemart_product_price_id LIMIT 1",
            sku,
        )
        if not rows:
            raise KeyError(f"unknown SKU {sku!r}")
        return rows[0]

    def stock(self, product_id):
        """``{"product_in_stock", "product_ordered"}`` of a product."""
        rows = self.query(
            "SELECT product_in_stock, product_ordered FROM {p}virtuemart_products "
            "WHERE virtuemart_product_id=%s",
            product_id,
        )
        if not rows:
            raise KeyError(f"unknown product {product_id}")
        return rows[0]


def seed_demo(database="storesync_vm_demo", seed=1, orders=60, products=20, **options):
    """Create and seed ``database`` unless it already holds the shop (idempotent); the
    returned shop talks to the server directly (no proxy) and ``stop()`` keeps the data."""
    return VirtueMartShop(seed, orders, products, database=database, **options).start(proxy=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Seed a VirtueMart demo database.")
    parser.add_argument("--database", default="storesync_vm_demo")
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the credentials and the shop's address as one JSON line (scripts/dev.py)",
    )
    args = parser.parse_args(argv)
    shop = seed_demo(args.database, args.seed, args.orders, args.products)
    try:
        if args.json:
            print(json.dumps({**shop.credentials(), "url": shop.url}))
        else:
            for key, value in shop.credentials().items():
                print(f"{key}={value}")
    finally:
        shop.stop()


if __name__ == "__main__":
    main()
