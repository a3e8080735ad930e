"""JSON and XML output as PrestaShop 8.1's ``WebserviceOutputJSON`` / ``...XML`` render it.

JSON: lists are ``{"products": [...]}`` (an empty filtered list is ``[]``, issues #10172/#22760),
only ``id`` is a number, i18n fields are ``[{"id": "1", "value": ...}]`` (a plain string when one
language is output), associations appear only when not empty, ``/`` is escaped as ``\\/``.
XML: every value in CDATA, i18n values as ``<language id="n">``.
"""

import json
from xml.sax.saxutils import quoteattr

XML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)
XML_FOOT = "</prestashop>\n"


def dumps(payload):
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")


def cdata(value):
    text = "" if value is None else str(value)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def json_row(table, row, fields, assocs, langs, drop_falsy=False):
    resource = table.resource
    out = {}
    for name in fields:
        if name == "id":
            out["id"] = row["id"]
            continue
        value = row.get(name, None) if name in row else resource.default(name)
        if name in resource.i18n:
            value = value or {}
            items = [{"id": str(lang), "value": value.get(lang, "")} for lang in langs]
            value = items[0]["value"] if len(items) == 1 else items
        elif value is None:
            value = ""
        if drop_falsy and value in ("", "0", None, [], {}):
            continue
        out[name] = value
    if assocs:
        stored = row.get("associations") or {}
        rendered = {}
        for name, sub in assocs.items():
            items = stored.get(name)
            if not items:
                continue
            if sub is None:
                rendered[name] = [dict(item) for item in items]
            else:
                rendered[name] = [
                    {k: v for k, v in item.items() if k in sub or k == "id"} for item in items
                ]
        if rendered:
            out["associations"] = rendered
    return out


def xml_row(table, row, fields, assocs, langs, base, indent="\t"):
    resource = table.resource
    parts = [f"{indent}<{resource.singular}>\n"]
    for name in fields:
        if name == "id":
            parts.append(f"{indent}\t<id>{cdata(row['id'])}</id>\n")
            continue
        value = row.get(name) if name in row else resource.default(name)
        if name in resource.i18n:
            value = value or {}
            parts.append(f"{indent}\t<{name}>")
            for lang in langs:
                href = quoteattr(f"{base}/api/languages/{lang}")
                parts.append(
                    f'<language id="{lang}" xlink:href={href}>'
                    f"{cdata(value.get(lang, ''))}</language>"
                )
            parts.append(f"</{name}>\n")
        else:
            parts.append(f"{indent}\t<{name}>{cdata(value)}</{name}>\n")
    if assocs:
        stored = row.get("associations") or {}
        parts.append(f"{indent}\t<associations>\n")
        for name, sub in assocs.items():
            node, item_fields = resource.associations[name]
            parts.append(f'{indent}\t<{name} nodeType="{node}" api="{name}">\n')
            for item in stored.get(name) or []:
                parts.append(f"{indent}\t<{node}>\n")
                for key in item_fields:
                    if sub is not None and key not in sub and key != "id":
                        continue
                    parts.append(f"{indent}\t\t<{key}>{cdata(item.get(key, ''))}</{key}>\n")
                parts.append(f"{indent}\t</{node}>\n")
            parts.append(f"{indent}\t</{name}>\n")
        parts.append(f"{indent}\t</associations>\n")
    parts.append(f"{indent}</{resource.singular}>\n")
    return "".join(parts)


def xml_minimum(table, row_id, base):
    resource = table.resource
    href = quoteattr(f"{base}/api/{resource.name}/{row_id}")
    return f'\t<{resource.singular} id="{row_id}" xlink:href={href}/>\n'


def errors_json(errors):
    return dumps({"errors": [{"code": code, "message": message} for code, message in errors]})


def errors_xml(errors):
    body = "".join(
        f"<error>\n<code>{cdata(code)}</code>\n<message>{cdata(message)}</message>\n</error>\n"
        for code, message in errors
    )
    return f"{XML_HEAD}<errors>\n{body}</errors>\n{XML_FOOT}"
