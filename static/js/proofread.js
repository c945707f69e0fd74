// The 校对 panel: proofread the form's current text on demand, and point at each finding
// in the field where it is. A static file, as the CSP allows no inline script.
(function () {
  "use strict";
  const panel = document.getElementById("proofread");
  if (!panel) return;
  const form = panel.closest("form");
  const body = panel.querySelector(".proof-body");
  const run = panel.querySelector(".proof-run");

  async function proofread() {
    panel.setAttribute("aria-busy", "true");
    run.disabled = true;
    try {
      const response = await fetch(panel.dataset.url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      });
      if (response.ok) body.innerHTML = await response.text();
      else body.textContent = "校对未能完成，请稍后重试。";
    } catch (error) {
      body.textContent = "校对未能完成，请检查网络后重试。";
    } finally {
      panel.removeAttribute("aria-busy");
      run.disabled = false;
    }
  }

  // The body's text as the server counts it: one block a line, <br> a line break.
  function bodyBlocks(editor) {
    return Array.from(editor.querySelectorAll("p, h2, h3, li")).filter(
      (el) => !el.querySelector("p, h2, h3, li") && blockText(el).trim() !== ""
    );
  }

  // Text nodes and line breaks in order: the server counts a <br> as one character ("\n").
  function pieces(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    const nodes = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.nodeType === Node.TEXT_NODE || node.nodeName === "BR") nodes.push(node);
    }
    return nodes;
  }

  function blockText(el) {
    return pieces(el).map((node) => (node.nodeName === "BR" ? "\n" : node.data)).join("");
  }

  function pointAt(el, offset) {
    for (const node of pieces(el)) {
      const length = node.nodeName === "BR" ? 1 : node.length;
      if (offset <= length && node.nodeType === Node.TEXT_NODE) return [node, offset];
      if (offset === 0) {
        const index = Array.prototype.indexOf.call(node.parentNode.childNodes, node);
        return [node.parentNode, index];
      }
      offset -= length;
    }
    return null;
  }

  function selectInBody(start, end) {
    const editor = form.querySelector(".ProseMirror[contenteditable=true]");
    if (!editor) return false;
    let lineStart = 0;
    for (const block of bodyBlocks(editor)) {
      const text = blockText(block);
      const lead = text.length - text.trimStart().length; // the server strips each block
      const length = text.trim().length;
      if (start <= lineStart + length) {
        const a = pointAt(block, lead + start - lineStart);
        const b = pointAt(block, lead + Math.min(end - lineStart, length));
        if (!a || !b) return false;
        const range = document.createRange();
        range.setStart(a[0], a[1]);
        range.setEnd(b[0], b[1]);
        block.scrollIntoView({ block: "center" });
        editor.focus();
        // ProseMirror puts back its own selection when it takes focus; select after that,
        // and it adopts the DOM selection as its own.
        requestAnimationFrame(() => {
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        });
        return true;
      }
      lineStart += length + 1;
    }
    return false;
  }

  function locate(item) {
    const start = Number(item.dataset.start);
    const end = Number(item.dataset.end);
    if (item.dataset.field === "body") return selectInBody(start, end);
    const input = form.querySelector("[name='" + item.dataset.field + "']");
    if (!input) return false;
    input.focus();
    input.setSelectionRange(start, end);
    input.scrollIntoView({ block: "center" });
    return true;
  }

  if (run) run.addEventListener("click", proofread);
  body.addEventListener("click", (event) => {
    const button = event.target.closest(".proof-locate");
    if (button) locate(button.closest(".proof-finding"));
  });
})();
