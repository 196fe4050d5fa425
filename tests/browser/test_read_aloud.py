"""Read-aloud in elder mode: the button speaks the screen's key message through the browser's
speech synthesis in the app's language, with that language's voice where the device has one,
already on the first tap (Chromium answers its first getVoices() with none while it loads them).
The synthesis is replaced in the page by one that records what it is asked to say."""

from __future__ import annotations

from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone
from tests.browser.screens import open_screen, signed_in_page
from tests.e2e.servers import Server

SYNTHESIS = """(() => {
  const voices = [{ name: 'English', lang: 'en-US' }, { name: 'Mandarin', lang: 'zh_CN' },
                  { name: 'Taiwanese Mandarin', lang: 'zh-TW' }];
  let loaded = false;  // as Chromium: the first call starts loading and answers with none
  window.__spoken = [];
  window.SpeechSynthesisUtterance = class {
    constructor(text) { this.text = text; this.lang = ''; this.voice = null; }
  };
  Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
    getVoices() { const now = loaded ? voices : []; loaded = true; return now; },
    cancel() {},
    speak(u) {
      window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name });
    },
    addEventListener() {}, removeEventListener() {},
  } });
})();"""


async def test_the_first_tap_reads_the_key_message_with_a_chinese_voice(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    page, _ = await signed_in_page(web, pool, phone, "zh_Hans", elder=True)
    await page.context.add_init_script(SYNTHESIS)
    await open_screen(page, web, "#/", "[data-list], .empty")
    key = (await page.locator(".read-aloud .key-message").inner_text()).strip()
    assert key
    await page.locator(".read-aloud button").click()
    spoken = await page.evaluate("() => window.__spoken")
    assert spoken == [{"text": key, "lang": "zh-CN", "voice": "Mandarin"}]


async def test_an_applications_key_message_shows_its_number_whole_and_speaks_it_digit_by_digit(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    page, number = await signed_in_page(web, pool, phone, "zh_Hans", elder=True)
    await page.context.add_init_script(SYNTHESIS)
    await open_screen(page, web, f"#/application/{number}", "[data-timeline] li")
    shown = (await page.locator(".read-aloud .key-message").inner_text()).strip()
    # as the number stands elsewhere on the screen, not "1 0 0 0 …" broken over two lines
    assert number in shown, shown
    assert " ".join(number) not in shown, shown
    await page.locator(".read-aloud button").click()
    spoken = await page.evaluate("() => window.__spoken")
    assert len(spoken) == 1 and " ".join(number) in spoken[0]["text"], spoken
