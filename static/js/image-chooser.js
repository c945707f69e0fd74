// The image chooser: a <dialog> that searches the library (title, caption, credit, alt
// text) and pages through its thumbnails, loaded as JSON from the desk's chooser
// endpoint. The image fields (cover, lead image, photo) use it through their widget,
// below; the rich-text editor's 插入图片 button (prose-figure.js) through
// window.NewsroomImageChooser.open. Every label comes from data-label-* attributes the
// server rendered through gettext, so that the text is translated in one place. A file,
// not an inline script: the CSP allows none.
(function () {
  "use strict";

  const SEARCH_DELAY_MS = 300;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function thumbnail(image) {
    const img = document.createElement("img");
    img.src = image.thumb;
    img.alt = "";
    img.width = image.thumb_width;
    img.height = image.thumb_height;
    img.loading = "lazy";
    img.decoding = "async";
    return img;
  }

  function setUp(dialog) {
    const labels = dialog.dataset;
    const input = dialog.querySelector(".image-chooser-dialog__query");
    const grid = dialog.querySelector(".image-chooser-dialog__grid");
    const status = dialog.querySelector(".image-chooser-dialog__status");
    const previous = dialog.querySelector(".image-chooser-dialog__previous");
    const next = dialog.querySelector(".image-chooser-dialog__next");
    const pageLabel = dialog.querySelector(".image-chooser-dialog__page");
    const state = { onChoose: null, page: 1, query: "" };
    let request = 0;
    let timer = null;

    function item(image) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "image-chooser-dialog__item";
      button.dataset.imageId = String(image.id);
      const title = document.createElement("span");
      title.className = "image-chooser-dialog__title";
      title.textContent = image.title;
      button.append(thumbnail(image), title);
      button.addEventListener("click", () => {
        dialog.close();
        if (state.onChoose) state.onChoose(image);
      });
      const li = document.createElement("li");
      li.append(button);
      return li;
    }

    function show(data) {
      state.page = data.page;
      grid.replaceChildren(...data.results.map(item));
      status.textContent = data.count ? fill(labels.labelCount, { count: data.count }) : labels.labelEmpty;
      pageLabel.textContent = fill(labels.labelPage, { page: data.page, pages: data.pages });
      previous.disabled = data.previous === null;
      next.disabled = data.next === null;
    }

    async function load(page) {
      const mine = ++request;
      dialog.setAttribute("aria-busy", "true");
      status.textContent = labels.labelLoading;
      const params = new URLSearchParams({ q: state.query, page: String(page) });
      try {
        const response = await fetch(`${labels.url}?${params}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        if (mine === request) show(data);
      } catch (error) {
        if (mine === request) status.textContent = labels.labelError;
      } finally {
        if (mine === request) dialog.removeAttribute("aria-busy");
      }
    }

    function search() {
      window.clearTimeout(timer);
      state.query = input.value.trim();
      load(1);
    }

    // The dialog sits inside the admin's change form, which it must never submit: Enter
    // in the search box searches, and every button is type="button".
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        search();
      }
    });
    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, SEARCH_DELAY_MS);
    });
    dialog.querySelector(".image-chooser-dialog__search").addEventListener("click", search);
    previous.addEventListener("click", () => load(state.page - 1));
    next.addEventListener("click", () => load(state.page + 1));
    dialog.querySelector(".image-chooser-dialog__close").addEventListener("click", () => dialog.close());
    state.load = load;
    return state;
  }

  const states = new WeakMap();

  // Opens `dialog` (a rendered admin/widgets/image_chooser_dialog.html); `onChoose(image)`
  // receives the chosen image as the endpoint describes it.
  function open(dialog, onChoose) {
    if (!states.has(dialog)) states.set(dialog, setUp(dialog));
    const state = states.get(dialog);
    state.onChoose = onChoose;
    // Loaded again at every opening: a picture uploaded meanwhile (上传新图片 opens another
    // tab) is then in the list without a reload of the form.
    state.load(1);
    dialog.showModal();
    dialog.querySelector(".image-chooser-dialog__query").focus();
  }

  // The widget of an image field: a hidden input with the image's id, its thumbnail and
  // alt text, 选择图片 and 清除.
  function setUpField(root) {
    const input = root.querySelector(".image-chooser__value");
    const preview = root.querySelector(".image-chooser__preview");
    const alt = root.querySelector(".image-chooser__alt");
    const empty = root.querySelector(".image-chooser__empty");
    const clear = root.querySelector(".image-chooser__clear");
    const dialog = root.querySelector("dialog");

    function show(image) {
      preview.replaceChildren(...(image ? [thumbnail(image)] : []));
      alt.textContent = image ? fill(root.dataset.labelAlt, { alt: image.alt }) : "";
      preview.hidden = alt.hidden = clear.hidden = !image;
      empty.hidden = !!image;
    }

    root.querySelector(".image-chooser__choose").addEventListener("click", () => {
      open(dialog, (image) => {
        input.value = String(image.id);
        show(image);
      });
    });
    clear.addEventListener("click", () => {
      input.value = "";
      show(null);
    });
  }

  function start() {
    document.querySelectorAll(".image-chooser").forEach(setUpField);
  }

  window.NewsroomImageChooser = { open };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
