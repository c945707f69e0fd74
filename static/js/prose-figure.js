// A figure of a library image in the rich-text editor (django-prose-editor 0.28, Tiptap),
// and its 插入图片 button. The node keeps exactly the markup the sanitizer allows
// (articles/body.py):
//   <figure data-image="42"><img src alt width height>
//   <figcaption>说明文字<small>摄影 张三</small></figcaption></figure>
// It is one atom (selected, dragged and deleted whole): its caption and credit come from
// the image chosen in the library's chooser dialog (image-chooser.js), which the body's
// widget renders beside the editor, and can be changed for this article with 编辑图片说明
// while the figure is selected. The configurable preset loads this module from the
// widget's js_modules and looks the extension up by its export name, LibraryFigure.
import { Node as TiptapNode, updateAttrsDialog } from "django-prose-editor/editor";

function captionParts(figure) {
  const figcaption = figure.querySelector("figcaption");
  if (!figcaption) return { caption: "", credit: "" };
  let caption = "";
  let credit = "";
  figcaption.childNodes.forEach((child) => {
    if (child.nodeName === "SMALL") credit += child.textContent;
    else caption += child.textContent;
  });
  return { caption: caption.trim(), credit: credit.trim() };
}

function dimension(value) {
  return /^[1-9][0-9]{0,4}$/.test(value || "") ? Number(value) : null;
}

function fromImg(name) {
  return (figure) => figure.querySelector("img")?.getAttribute(name) ?? null;
}

export const LibraryFigure = TiptapNode.create({
  name: "libraryFigure",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,

  addAttributes() {
    // Rendered by renderHTML below as a whole, never as attributes of the <figure>.
    const attribute = (parseHTML) => ({ default: null, parseHTML, renderHTML: () => ({}) });
    return {
      image: attribute((figure) => figure.getAttribute("data-image")),
      src: attribute(fromImg("src")),
      alt: attribute((figure) => fromImg("alt")(figure) || ""),
      width: attribute((figure) => dimension(fromImg("width")(figure))),
      height: attribute((figure) => dimension(fromImg("height")(figure))),
      caption: attribute((figure) => captionParts(figure).caption),
      credit: attribute((figure) => captionParts(figure).credit),
    };
  },

  parseHTML() {
    return [
      {
        tag: "figure[data-image]",
        getAttrs: (figure) => (/^[1-9][0-9]*$/.test(figure.getAttribute("data-image")) && figure.querySelector("img[src]") ? null : false),
      },
    ];
  },

  renderHTML({ node }) {
    const { image, src, alt, width, height, caption, credit } = node.attrs;
    const img = { src, alt: alt || "" };
    if (width) img.width = String(width);
    if (height) img.height = String(height);
    const figure = ["figure", { "data-image": String(image) }, ["img", img]];
    const parts = [];
    if (caption) parts.push(caption);
    if (credit) parts.push(["small", {}, credit]);
    if (parts.length) figure.push(["figcaption", {}, ...parts]);
    return figure;
  },

  addCommands() {
    return {
      insertLibraryFigure:
        (image) =>
        ({ commands }) =>
          commands.insertContent({
            type: this.name,
            attrs: {
              image: String(image.id),
              src: image.src,
              alt: image.alt,
              width: image.width,
              height: image.height,
              caption: image.caption,
              credit: image.credit_line,
            },
          }),
    };
  },

  addMenuItems({ menu, buttons }) {
    const dialog = this.editor.options.element.closest(".image-figure-host")?.querySelector("dialog");
    if (!dialog) return;
    menu.defineItem({
      name: "libraryFigure",
      groups: "nodes",
      button: buttons.material("add_photo_alternate", dialog.dataset.labelInsert),
      command(editor) {
        window.NewsroomImageChooser.open(dialog, (image) => {
          editor.chain().focus().insertLibraryFigure(image).run();
        });
      },
      active(editor) {
        return editor.isActive("libraryFigure");
      },
    });
    menu.defineItem({
      name: "libraryFigureCaption",
      groups: "nodes",
      button: buttons.material("edit_note", dialog.dataset.labelEditCaption),
      command(editor) {
        const { caption, credit } = editor.getAttributes("libraryFigure");
        const fields = {
          caption: { type: "string", title: dialog.dataset.labelCaption },
          credit: { type: "string", title: dialog.dataset.labelCredit },
        };
        updateAttrsDialog(fields, { title: dialog.dataset.labelEditCaption })(editor, { caption, credit }).then((attrs) => {
          if (attrs) {
            editor.chain().focus().updateAttributes("libraryFigure", {
              caption: attrs.caption.trim(),
              credit: attrs.credit.trim(),
            }).run();
          }
        });
      },
      hidden(editor) {
        return !editor.isActive("libraryFigure");
      },
    });
  },
});
