"""OFX/QFX bytes to an element tree, however loosely the bank wrote them.

Text decoding is ours because headers lie (CHARSET:1252 over UTF-8 bytes, `8859-1` for
CP1252), and ofxtools' header reader refuses harmless quirks (blank lines in the header). The
tree comes from ofxtools' parser when it reads the body soundly; other files go through a
tolerant builder that accepts one-line files, unclosed SGML elements, self-closing tags, empty
elements and stray closing tags. ofxtools' model conversion is not used: it rejects files for
things billbot does not read (a missing balance, an unlisted language code). Element text
keeps entities (`&amp;`) as written; `unescape` resolves them when a value is read.
"""

from __future__ import annotations

import codecs
import html
import re
import xml.etree.ElementTree as ET

from ofxtools.Parser import TreeBuilder

from billbot.imports.decoding import decode_western

_CHARSET = re.compile(rb"CHARSET:\s*([\w.-]+)|encoding=[\"']([\w.-]+)[\"']", re.IGNORECASE)
_ROOT = re.compile(r"<OFX\s*>", re.IGNORECASE)
_NOISE = re.compile(r"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_TAG = re.compile(r"<(/?)\s*([A-Za-z][\w.:-]*)[^<>]*?(/?)>")
_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")

# Data elements that may legitimately be empty (`<MEMO>` with nothing after it). Any other
# empty tag opens an aggregate. Names starting DT or ending AMT, and dotted extension names
# (`INTU.BID`), are data elements too.
_ELEMENTS = frozenset(
    {
        "TRNTYPE", "FITID", "NAME", "MEMO", "SIC", "CHECKNUM", "REFNUM", "PAYEEID", "SRVRTID",
        "CORRECTFITID", "CORRECTACTION", "EXTDNAME", "CURDEF", "CURSYM", "CURRATE", "ACCTID",
        "BANKID", "BRANCHID", "ACCTTYPE", "ACCTKEY", "CODE", "SEVERITY", "MESSAGE", "LANGUAGE",
        "ORG", "FID", "TRNUID", "CLTCOOKIE", "SESSCOOKIE", "USERKEY", "MKTGINFO", "BROKERID",
        "UNITS", "UNITPRICE", "TOTAL", "UNIQUEID", "UNIQUEIDTYPE", "SUBACCTSEC", "SUBACCTFUND",
        "BUYTYPE", "SELLTYPE", "INCOMETYPE", "SECNAME", "TICKER", "INV401KSOURCE",
    }
)  # fmt: skip
_STATEMENTS = ("<STMTRS>", "<CCSTMTRS>")


def read_tree(data: bytes) -> ET.Element:
    """The element tree of an OFX (v1 SGML or v2 XML) file; never raises for bad markup."""
    body = markup_body(decode_ofx(data))
    upper = body.upper()
    # Investment-only files are refused later whichever tree they get; skip the strict try.
    if any(tag in upper for tag in _STATEMENTS):
        strict = _ofxtools_tree(body)
        if strict is not None:
            return strict
    return tolerant_tree(body)


def decode_ofx(data: bytes) -> str:
    """The file as text: UTF-8 when the bytes are UTF-8, else the declared charset, else CP1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Valid UTF-8 with accents almost never happens by accident, so reaching here means a
    # single-byte charset; the header is believed only when it names something other than
    # the Latin-1/CP1252/ASCII family, which all decode best as CP1252.
    declared = _CHARSET.search(data[:2048])
    name = (declared.group(1) or declared.group(2)).decode("ascii") if declared else ""
    codec = _codec(name)
    if codec is not None and codec not in ("cp1252", "latin_1", "iso8859-1", "ascii", "utf-8"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_western(data)


def _codec(name: str) -> str | None:
    aliases = {"1252": "cp1252", "8859-1": "latin_1", "none": "cp1252", "usascii": "ascii"}
    name = aliases.get(name.lower(), name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def markup_body(text: str) -> str:
    """Everything from the `<OFX>` root on, with headers, comments and CDATA wrappers gone."""
    root = _ROOT.search(text)
    if root is not None:
        text = text[root.start() :]
    else:
        first = text.find("<")
        text = text[first:] if first >= 0 else ""
    text = _NOISE.sub("", text)
    return _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), text)


def _ofxtools_tree(body: str) -> ET.Element | None:
    """The tree from ofxtools' parser (the one behind OFXTree), if it read the file soundly."""
    try:
        builder = TreeBuilder()
        builder.feed(body)
        root: ET.Element | None = builder.close()
    except Exception:
        # Whatever the strict parser trips on, the tolerant one is the answer.
        return None
    if root is None:
        # It found no tags it knows (lower-case XML, for one).
        return None
    # ofxtools takes an empty data element (`<MEMO>` with nothing after it) for an aggregate:
    # the following siblings end up inside it, or the next closing tag closes the wrong
    # element and later transactions nest inside earlier ones. Only the tolerant builder
    # knows that such elements are data.
    for element in root.iter():
        if _is_element(element.tag) and (len(element) or not element.text):
            return None
    return root


def tolerant_tree(body: str) -> ET.Element:
    """Build a tree from loose SGML/XML: text after a tag makes it a leaf, ends are optional."""
    root = ET.Element("ROOT")
    stack = [root]
    matches = list(_TAG.finditer(body))
    for i, match in enumerate(matches):
        closing, tag, self_closing = match.group(1), match.group(2).upper(), match.group(3)
        if closing:
            _close(stack, tag)
            continue
        # OFX aggregates never contain themselves: a second <STMTTRN> ends the first.
        _close(stack, tag)
        element = ET.SubElement(stack[-1], tag)
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        value = body[match.end() : end].strip()
        if value:
            element.text = value
        elif not (self_closing or _is_element(tag)):
            stack.append(element)
    return root


def _close(stack: list[ET.Element], tag: str) -> None:
    """Pop up to and including the open `tag`; a close tag that matches nothing is ignored."""
    for depth in range(len(stack) - 1, 0, -1):
        if stack[depth].tag == tag:
            del stack[depth:]
            return


def _is_element(tag: str) -> bool:
    return tag in _ELEMENTS or tag.startswith("DT") or tag.endswith("AMT") or "." in tag


def unescape(text: str) -> str:
    """Resolve `&amp;`-style entities, twice for banks that escape twice (`&amp;lt;`)."""
    for _ in range(2):
        resolved = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if resolved == text:
            break
        text = resolved
    return text
