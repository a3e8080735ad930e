"""The Webservice resources the emulator serves: field names and order, i18n fields, associations,
required fields and forbidden methods, as PrestaShop 8.1 declares them (``webserviceParameters``
and ``$definition`` of each ObjectModel class; devdocs ``/8/webservice/resources/<resource>``)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    name: str  # plural: the URL segment and the JSON list key
    singular: str  # the XML node / JSON single key
    fields: tuple  # output order, ``id`` first
    description: str = ""
    i18n: frozenset = frozenset()
    numeric: frozenset = frozenset()  # compared as numbers in filters and sorts
    associations: dict = field(default_factory=dict)  # name -> (item node, item fields)
    required: frozenset = frozenset()
    forbidden: frozenset = frozenset()  # methods the resource refuses for every key
    defaults: dict = field(default_factory=dict)  # value of a field a row does not store
    class_name: str = ""

    def is_numeric(self, name):
        return name == "id" or name.startswith("id_") or name in self.numeric

    def default(self, name):
        if name in self.i18n:
            return {}
        return self.defaults.get(name, "")


def _fields(text):
    return tuple(text.split())


RESOURCES = {
    r.name: r
    for r in (
        Resource(
            "products",
            "product",
            _fields("""
            id id_manufacturer id_supplier id_category_default new cache_default_attribute
            id_default_image id_default_combination id_tax_rules_group position_in_category
            manufacturer_name quantity type id_shop_default reference supplier_reference location
            width height depth weight quantity_discount ean13 isbn upc mpn cache_is_pack
            cache_has_attachments is_virtual state additional_delivery_times delivery_in_stock
            delivery_out_stock product_type on_sale online_only ecotax minimal_quantity
            low_stock_threshold low_stock_alert price wholesale_price unity unit_price_ratio
            additional_shipping_cost customizable text_fields uploadable_files active
            redirect_type id_type_redirected available_for_order available_date show_condition
            condition show_price indexed visibility advanced_stock_management date_add date_upd
            pack_stock_type meta_description meta_keywords meta_title link_rewrite name
            description description_short available_now available_later"""),
            "The products",
            i18n=frozenset(
                _fields("""delivery_in_stock delivery_out_stock meta_description
            meta_keywords meta_title link_rewrite name description description_short available_now
            available_later""")
            ),
            numeric=frozenset(_fields("price weight wholesale_price quantity width height depth")),
            associations={
                "categories": ("category", ("id",)),
                "images": ("image", ("id",)),
                "combinations": ("combination", ("id",)),
                "product_option_values": ("product_option_value", ("id",)),
                "product_features": ("product_feature", ("id", "id_feature_value")),
                "tags": ("tag", ("id",)),
                "stock_availables": ("stock_available", ("id", "id_product_attribute")),
                "accessories": ("product", ("id",)),
                "product_bundle": ("product", ("id", "id_product_attribute", "quantity")),
            },
            required=frozenset({"price", "name", "link_rewrite"}),
            defaults={
                "id_manufacturer": "0",
                "new": None,
                "id_default_combination": "0",
                "id_tax_rules_group": "1",
                "position_in_category": "0",
                "quantity": "0",
                "type": "1",
                "id_shop_default": "1",
                "width": "0.000000",
                "height": "0.000000",
                "depth": "0.000000",
                "quantity_discount": "0",
                "cache_is_pack": "0",
                "cache_has_attachments": "0",
                "is_virtual": "0",
                "state": "1",
                "additional_delivery_times": "1",
                "product_type": "standard",
                "on_sale": "0",
                "online_only": "0",
                "ecotax": "0.000000",
                "minimal_quantity": "1",
                "low_stock_threshold": None,
                "low_stock_alert": "0",
                "wholesale_price": "0.000000",
                "unit_price_ratio": "0.000000",
                "additional_shipping_cost": "0.000000",
                "customizable": "0",
                "text_fields": "0",
                "uploadable_files": "0",
                "active": "1",
                "redirect_type": "default",
                "id_type_redirected": "0",
                "available_for_order": "1",
                "available_date": "0000-00-00",
                "show_condition": "0",
                "condition": "new",
                "show_price": "1",
                "indexed": "1",
                "visibility": "both",
                "advanced_stock_management": "0",
                "pack_stock_type": "3",
                "id_category_default": "2",
            },
            class_name="Product",
        ),
        Resource(
            "combinations",
            "combination",
            _fields("""
            id id_product ean13 isbn upc mpn reference supplier_reference wholesale_price price
            ecotax weight unit_price_impact minimal_quantity low_stock_threshold low_stock_alert
            default_on available_date"""),
            "The product combinations",
            numeric=frozenset(_fields("price weight wholesale_price unit_price_impact")),
            associations={
                "product_option_values": ("product_option_value", ("id",)),
                "images": ("image", ("id",)),
            },
            required=frozenset({"id_product", "minimal_quantity"}),
            defaults={
                "wholesale_price": "0.000000",
                "ecotax": "0.000000",
                "unit_price_impact": "0.000000",
                "minimal_quantity": "1",
                "low_stock_threshold": None,
                "low_stock_alert": "0",
                "default_on": None,
                "available_date": "0000-00-00",
                "price": "0.000000",
                "weight": "0.000000",
            },
            class_name="Combination",
        ),
        Resource(
            "stock_availables",
            "stock_available",
            _fields("""
            id id_product id_product_attribute id_shop id_shop_group quantity depends_on_stock
            out_of_stock location"""),
            "Available quantities",
            numeric=frozenset({"quantity"}),
            required=frozenset(
                _fields("""id_product id_product_attribute quantity depends_on_stock
            out_of_stock""")
            ),
            forbidden=frozenset({"POST", "DELETE"}),
            defaults={
                "id_shop": "1",
                "id_shop_group": "0",
                "depends_on_stock": "0",
                "out_of_stock": "2",
                "location": "",
            },
            class_name="StockAvailable",
        ),
        Resource(
            "suppliers",
            "supplier",
            _fields("""id link_rewrite name active date_add date_upd
            description meta_title meta_description meta_keywords"""),
            "The product suppliers",
            i18n=frozenset(_fields("description meta_title meta_description meta_keywords")),
            required=frozenset({"name"}),
            defaults={"active": "1"},
            class_name="Supplier",
        ),
        Resource(
            "product_suppliers",
            "product_supplier",
            _fields("""id id_product id_product_attribute
            id_supplier id_currency product_supplier_reference product_supplier_price_te"""),
            "Product Suppliers",
            numeric=frozenset({"product_supplier_price_te"}),
            required=frozenset({"id_product", "id_product_attribute", "id_supplier"}),
            class_name="ProductSupplier",
        ),
        Resource(
            "orders",
            "order",
            _fields("""
            id id_address_delivery id_address_invoice id_cart id_currency id_lang id_customer
            id_carrier current_state module invoice_number invoice_date delivery_number
            delivery_date valid date_add date_upd shipping_number note id_shop_group id_shop
            secure_key payment recyclable gift gift_message mobile_theme total_discounts
            total_discounts_tax_incl total_discounts_tax_excl total_paid total_paid_tax_incl
            total_paid_tax_excl total_paid_real total_products total_products_wt total_shipping
            total_shipping_tax_incl total_shipping_tax_excl carrier_tax_rate total_wrapping
            total_wrapping_tax_incl total_wrapping_tax_excl round_mode round_type
            conversion_rate reference"""),
            "The Customers orders",
            numeric=frozenset({"current_state", "valid", "total_paid"}),
            associations={
                "order_rows": (
                    "order_row",
                    _fields("""id product_id product_attribute_id
            product_quantity product_name product_reference product_ean13 product_isbn
            product_upc product_price id_customization unit_price_tax_incl
            unit_price_tax_excl"""),
                )
            },
            required=frozenset(
                _fields("""id_address_delivery id_address_invoice id_cart
            id_currency id_lang id_customer id_carrier module payment total_paid
            total_paid_real total_products total_products_wt conversion_rate""")
            ),
            defaults={
                "invoice_number": "0",
                "invoice_date": "0000-00-00 00:00:00",
                "delivery_number": "0",
                "delivery_date": "0000-00-00 00:00:00",
                "note": "",
                "id_shop_group": "1",
                "id_shop": "1",
                "recyclable": "0",
                "gift": "0",
                "gift_message": "",
                "mobile_theme": "0",
                "total_discounts": "0.000000",
                "total_discounts_tax_incl": "0.000000",
                "total_discounts_tax_excl": "0.000000",
                "carrier_tax_rate": "0.000",
                "total_wrapping": "0.000000",
                "total_wrapping_tax_incl": "0.000000",
                "total_wrapping_tax_excl": "0.000000",
                "round_mode": "2",
                "round_type": "2",
                "conversion_rate": "1.000000",
                "id_lang": "1",
            },
            class_name="Order",
        ),
        Resource(
            "order_states",
            "order_state",
            _fields("""id unremovable delivery hidden send_email
            module_name invoice color logable shipped paid pdf_delivery pdf_invoice deleted
            name template"""),
            "The Order statuses",
            i18n=frozenset({"name", "template"}),
            required=frozenset({"name"}),
            defaults={
                "unremovable": "1",
                "hidden": "0",
                "module_name": "",
                "pdf_delivery": "0",
                "pdf_invoice": "0",
                "deleted": "0",
            },
            class_name="OrderState",
        ),
        Resource(
            "order_histories",
            "order_history",
            _fields("id id_employee id_order_state id_order date_add"),
            "The Order histories",
            required=frozenset({"id_order_state", "id_order"}),
            defaults={"id_employee": "0"},
            class_name="OrderHistory",
        ),
        Resource(
            "order_carriers",
            "order_carrier",
            _fields("""id id_order id_carrier id_order_invoice
            weight shipping_cost_tax_excl shipping_cost_tax_incl tracking_number date_add"""),
            "The Order carriers",
            required=frozenset({"id_order", "id_carrier"}),
            defaults={"id_order_invoice": "0"},
            class_name="OrderCarrier",
        ),
        Resource(
            "carriers",
            "carrier",
            _fields("""id deleted is_module id_tax_rules_group id_reference
            name active is_free url shipping_handling shipping_external range_behavior
            shipping_method max_width max_height max_depth max_weight grade
            external_module_name need_range position delay"""),
            "The Carriers",
            i18n=frozenset({"delay"}),
            required=frozenset({"name", "active", "delay"}),
            defaults={
                "deleted": "0",
                "is_module": "0",
                "id_tax_rules_group": "1",
                "active": "1",
                "is_free": "0",
                "url": "",
                "shipping_handling": "1",
                "shipping_external": "0",
                "range_behavior": "0",
                "shipping_method": "2",
                "max_width": "0",
                "max_height": "0",
                "max_depth": "0",
                "max_weight": "0.000000",
                "grade": "0",
                "external_module_name": "",
                "need_range": "0",
                "position": "0",
            },
            class_name="Carrier",
        ),
        Resource(
            "addresses",
            "address",
            _fields("""id id_customer id_manufacturer id_supplier
            id_warehouse id_country id_state alias company lastname firstname vat_number
            address1 address2 postcode city other phone phone_mobile dni deleted date_add
            date_upd"""),
            "The Customer, Brand and Customer addresses",
            required=frozenset(_fields("id_country alias lastname firstname address1 city")),
            defaults={
                "id_manufacturer": "0",
                "id_supplier": "0",
                "id_warehouse": "0",
                "id_state": "0",
                "deleted": "0",
            },
            class_name="Address",
        ),
        Resource(
            "countries",
            "country",
            _fields("""id id_zone id_currency call_prefix iso_code active
            contains_states need_identification_number need_zip_code zip_code_format
            display_tax_label name"""),
            "The countries",
            i18n=frozenset({"name"}),
            required=frozenset({"id_zone", "iso_code", "name"}),
            defaults={
                "id_currency": "0",
                "active": "1",
                "contains_states": "0",
                "need_identification_number": "0",
                "need_zip_code": "1",
                "display_tax_label": "1",
            },
            class_name="Country",
        ),
        Resource(
            "customers",
            "customer",
            _fields("""id id_default_group id_lang newsletter_date_add
            ip_registration_newsletter last_passwd_gen secure_key deleted lastname firstname
            email id_gender birthday newsletter optin website company siret ape
            outstanding_allow_amount show_public_prices id_risk max_payment_days active note
            is_guest id_shop id_shop_group date_add date_upd reset_password_token
            reset_password_validity"""),
            "The e-shop's customers",
            required=frozenset({"lastname", "firstname", "email", "passwd"}),
            defaults={
                "id_default_group": "3",
                "id_lang": "1",
                "deleted": "0",
                "id_gender": "0",
                "newsletter": "0",
                "optin": "0",
                "active": "1",
                "is_guest": "0",
                "id_shop": "1",
                "id_shop_group": "1",
            },
            class_name="Customer",
        ),
        Resource(
            "currencies",
            "currency",
            _fields("""id names name symbols symbol iso_code
            numeric_iso_code precision conversion_rate deleted active unofficial modified
            pattern"""),
            "The currencies",
            i18n=frozenset({"names", "symbols", "pattern"}),
            required=frozenset({"iso_code", "conversion_rate"}),
            defaults={
                "precision": "2",
                "deleted": "0",
                "active": "1",
                "unofficial": "0",
                "modified": "0",
            },
            class_name="Currency",
        ),
        Resource(
            "configurations",
            "configuration",
            _fields("id value name id_shop_group id_shop date_add date_upd"),
            "Shop configuration",
            required=frozenset({"name"}),
            class_name="Configuration",
        ),
        Resource(
            "languages",
            "language",
            _fields("""id name iso_code locale language_code active
            is_rtl date_format_lite date_format_full"""),
            "Shop languages",
            required=frozenset({"name", "iso_code"}),
            defaults={
                "active": "1",
                "is_rtl": "0",
                "date_format_lite": "Y-m-d",
                "date_format_full": "Y-m-d H:i:s",
            },
            class_name="Language",
        ),
        Resource(
            "product_options",
            "product_option",
            _fields("id is_color_group group_type position name public_name"),
            "The product options",
            i18n=frozenset({"name", "public_name"}),
            associations={"product_option_values": ("product_option_value", ("id",))},
            class_name="AttributeGroup",
        ),
        Resource(
            "product_option_values",
            "product_option_value",
            _fields("id id_attribute_group color position name"),
            "The product options value",
            i18n=frozenset({"name"}),
            class_name="Attribute",
        ),
    )
}

# Resources served by a specific management class (no schema, no JSON list): images.
SPECIFIC = {"images": "The images"}
