// The image add form: show the chosen file before it is sent. A data: URL, which the CSP's
// img-src allows (blob: it does not); nothing is decoded or checked here, the server does that.
(function () {
  "use strict";
  const input = document.getElementById("id_file");
  const preview = document.getElementById("image-upload-preview");
  if (!input || !preview) return;
  // Made here: an <img> without a source would be invalid HTML until a file is chosen.
  const img = document.createElement("img");
  img.alt = "";
  img.id = "image-upload-preview-img";
  preview.prepend(img);
  const name = document.getElementById("image-upload-preview-name");

  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file || !file.type.startsWith("image/")) {
      preview.hidden = true;
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      img.src = reader.result;
      name.textContent = file.name;
      preview.hidden = false;
    });
    reader.readAsDataURL(file);
  });
})();
