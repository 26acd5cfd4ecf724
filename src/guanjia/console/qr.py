"""QR codes drawn on the server as inline SVG (segno, pure Python): printed pages carry them with
no script and no outside service. The same text always gives the same SVG, which is how the tests
check what a code says (there is no decoder offline)."""

import segno
from django.utils.html import format_html
from django.utils.safestring import SafeString


def qr_svg(text: str, *, label: str) -> SafeString:
    """`text` as a QR code: an <svg> that scales to its box (no width/height), error correction
    M (a poster may get a scratch), the quiet zone of 4 modules the standard asks for."""
    code = segno.make(text, error="m", boost_error=False)
    svg = code.svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, dark="#000"
    )
    # The label names the code for screen readers; the SVG itself is segno's, already escaped.
    return format_html(
        '<figure class="qr-code" role="img" aria-label="{}">{}</figure>', label, SafeString(svg)
    )
