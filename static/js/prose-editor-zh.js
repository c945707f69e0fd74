// django-prose-editor 0.28 writes its block names and button tooltips in English
// without gettext, so they cannot come from a translation catalogue. This module puts
// them into Chinese as the editor draws them, and again whenever it redraws the menu
// (the selected block type is re-rendered on every cursor move). Labels that the
// editor does pass through gettext come from Django's JavaScript catalogue instead.
const LABELS = {
  "Heading 2": "小标题",
  "Heading 3": "副标题",
  "Paragraph": "正文段落",
  "heading 2": "小标题",
  "heading 3": "副标题",
  "paragraph": "正文段落",
  "unordered list": "无序列表",
  "ordered list": "有序列表",
  "List properties": "列表设置",
  "blockquote": "引文",
  "bold": "加粗",
  "italic": "斜体",
  "insert link": "插入链接",
  "remove link": "移除链接",
  "undo": "撤销",
  "redo": "重做",
  "horizontal rule": "分隔线",
  "Toggle fullscreen": "全屏",
};

function translateAttribute(element, name) {
  const value = element.getAttribute(name);
  if (value && LABELS[value] && LABELS[value] !== value) {
    element.setAttribute(name, LABELS[value]);
  }
}

function translateOption(option) {
  // An option's label is the text of its one child (<h2>, <h3> or <p>).
  const label = option.firstElementChild || option;
  const text = label.textContent.trim();
  if (LABELS[text]) {
    label.textContent = LABELS[text];
  }
}

function translateMenubar(menubar) {
  menubar.querySelectorAll("[title]").forEach((el) => translateAttribute(el, "title"));
  menubar.querySelectorAll("[aria-label]").forEach((el) => translateAttribute(el, "aria-label"));
  menubar.querySelectorAll(".prose-menubar__option").forEach(translateOption);
}

function translateAll(root) {
  root.querySelectorAll(".prose-menubar").forEach(translateMenubar);
}

const observer = new MutationObserver((mutations) => {
  const menubars = new Set();
  for (const mutation of mutations) {
    const target = mutation.target.nodeType === Node.ELEMENT_NODE ? mutation.target : mutation.target.parentElement;
    const menubar = target && target.closest(".prose-menubar");
    if (menubar) {
      menubars.add(menubar);
    } else if (target) {
      target.querySelectorAll(".prose-menubar").forEach((m) => menubars.add(m));
    }
  }
  menubars.forEach(translateMenubar);
});

function start() {
  translateAll(document);
  observer.observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["title", "aria-label"],
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
