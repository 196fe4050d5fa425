"""What every screen of the app must meet, checked in the page: the elder rules (text at
least 24 CSS px, controls at least 60x60), and the acting banner in view."""

from __future__ import annotations

from typing import Any

ELDER_MIN_FONT_PX = 24
ELDER_MIN_TARGET_PX = 60


async def elder_problems(page: Any) -> list[str]:
    """Visible texts under 24 px and visible controls under 60x60 px, described."""
    problems: list[str] = await page.evaluate(
        """([minFont, minTarget]) => {
          const out = [];
          const visible = (el) => {
            const r = el.getBoundingClientRect();
            const s = getComputedStyle(el);
            return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
          };
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (!n.textContent.trim() || !el || !visible(el)) continue;
            if (el.closest('[aria-hidden=true]')) continue;
            const size = parseFloat(getComputedStyle(el).fontSize);
            if (size < minFont) out.push(`text ${size}px: ${n.textContent.trim().slice(0, 30)}`);
          }
          const controls = 'button, a[href], input:not([type=hidden]), select, textarea, summary';
          for (const el of document.querySelectorAll(controls)) {
            if (!visible(el)) continue;
            const r = el.getBoundingClientRect();
            if (r.width < minTarget || r.height < minTarget) {
              const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
              out.push(`control ${size}: ${el.outerHTML.slice(0, 60)}`);
            }
          }
          return out;
        }""",
        [ELDER_MIN_FONT_PX, ELDER_MIN_TARGET_PX],
    )
    return problems


async def banner_in_view(page: Any) -> bool:
    """The acting banner is on screen, at the top, however far the page is scrolled."""
    banner = page.locator(".acting-banner")
    if await banner.count() != 1:
        return False
    for y in (0, 100000):
        await page.evaluate("(y) => window.scrollTo(0, y)", y)
        box = await banner.bounding_box()
        if box is None or box["y"] < -1 or box["y"] > 5:
            return False
    await page.evaluate("() => window.scrollTo(0, 0)")
    return True


async def tab_label_problems(page: Any) -> list[str]:
    """Bottom tabs whose label does not fit its own tab (it would run into the next one):
    each label's text box lies inside its tab, and no two tabs overlap."""
    problems: list[str] = await page.evaluate(
        """() => {
          const out = [];
          const tabs = [...document.querySelectorAll('nav.tabs a')];
          const boxes = tabs.map((a) => a.getBoundingClientRect());
          tabs.forEach((a, i) => {
            const range = document.createRange();
            range.selectNodeContents(a);
            const text = range.getBoundingClientRect(), box = boxes[i];
            const outside = text.left < box.left - 0.5 || text.right > box.right + 0.5;
            if (outside || a.scrollWidth > a.clientWidth)
              out.push(`label wider than its tab: ${a.textContent.trim()} ` +
                `${Math.round(text.width)} > ${Math.round(box.width)}`);
            boxes.slice(i + 1).forEach((other, j) => {
              const apart = other.left >= box.right - 0.5 || other.right <= box.left + 0.5 ||
                other.top >= box.bottom - 0.5 || other.bottom <= box.top + 0.5;
              const name = tabs[i + 1 + j].textContent.trim();
              if (!apart) out.push(`tabs overlap: ${a.textContent.trim()} / ${name}`);
            });
          });
          return out;
        }"""
    )
    return problems
