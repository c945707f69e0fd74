// 复制 and 复制正文 on the 公众号版 page. 复制正文 puts the body on the clipboard twice: as
// rich HTML, which the WeChat editor pastes with its inline styles, and as plain text for
// anything that pastes text only. A static file, as the admin's CSP allows no inline script.
// The copy event works over plain http too, where navigator.clipboard does not exist.
(function () {
  "use strict";
  const status = document.getElementById("wechat-copied");
  if (!status) return;

  function say(message) {
    status.textContent = message;
  }

  // The copy event's data goes to the clipboard as it is. An asynchronous ClipboardItem of
  // text/html would be parsed into this page first, and the admin's CSP reports every style
  // attribute of the edition as a violation.
  function copyWithEvent(parts) {
    const fill = (event) => {
      for (const [type, value] of Object.entries(parts)) event.clipboardData.setData(type, value);
      event.preventDefault();
    };
    document.addEventListener("copy", fill, { once: true });
    const done = document.execCommand("copy");
    document.removeEventListener("copy", fill);
    return done;
  }

  // Where execCommand is refused, the asynchronous clipboard (in a secure context only).
  async function copy(parts) {
    if (copyWithEvent(parts)) return;
    if (!navigator.clipboard || !window.ClipboardItem) throw new Error("no clipboard");
    const items = {};
    for (const [type, value] of Object.entries(parts)) items[type] = new Blob([value], { type });
    await navigator.clipboard.write([new ClipboardItem(items)]);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-wechat-copy], [data-wechat-copy-body]");
    if (!button) return;
    let parts;
    if (button.hasAttribute("data-wechat-copy-body")) {
      parts = {
        "text/html": document.getElementById(button.dataset.html).value,
        "text/plain": document.getElementById(button.dataset.text).value,
      };
    } else {
      parts = { "text/plain": document.getElementById(button.dataset.wechatCopy).value };
    }
    say("");
    try {
      await copy(parts);
      say(button.dataset.done);
    } catch (error) {
      say(status.dataset.failed);
    }
  });
})();
