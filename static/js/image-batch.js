// The 批量上传 page: drop several files, give each its alt text, and each is posted on its
// own to the JSON endpoint with a progress bar. A file is sent only once its alt text is
// filled (and is not just the file name): alt text is what a reader who cannot see it gets.
(function () {
  "use strict";
  const form = document.getElementById("image-batch");
  if (!form) return;
  const text = form.dataset;
  const list = document.getElementById("image-batch-list");
  const drop = document.getElementById("image-drop");
  const picker = document.getElementById("image-batch-files");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const maxBytes = Number(text.maxBytes);
  let started = false;
  let count = 0;

  function field(row, name, label, required) {
    const id = `batch-${row.dataset.index}-${name}`;
    const wrap = document.createElement("div");
    wrap.className = `batch-field batch-${name}`;
    const labelEl = document.createElement("label");
    labelEl.htmlFor = id;
    labelEl.textContent = label;
    const input = document.createElement(name === "caption" ? "textarea" : "input");
    input.id = id;
    input.name = name;
    if (name === "caption") input.rows = 2;
    if (required) input.required = true;
    wrap.append(labelEl, input);
    return wrap;
  }

  function stem(name) {
    const dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(0, dot) : name;
  }

  function altProblem(row) {
    const alt = row.querySelector("[name=alt]").value.trim().toLowerCase();
    const name = row.file.name.toLowerCase();
    if (!alt) return text.textWaiting;
    if (alt === name || alt === stem(name)) return text.textAltIsName;
    return "";
  }

  function setStatus(row, message, state) {
    row.dataset.state = state;
    row.querySelector(".batch-status").textContent = message;
  }

  function addFile(file) {
    const row = document.createElement("li");
    row.className = "batch-row";
    row.dataset.index = String(count++);
    row.file = file;
    const preview = document.createElement("img");
    preview.className = "batch-preview";
    preview.alt = "";
    const reader = new FileReader();
    reader.addEventListener("load", () => { preview.src = reader.result; });
    if (file.type.startsWith("image/")) reader.readAsDataURL(file);
    const name = document.createElement("p");
    name.className = "batch-name";
    name.textContent = file.name;
    const fields = document.createElement("div");
    fields.className = "batch-fields";
    fields.append(
      field(row, "title", text.labelTitle, false),
      field(row, "alt", text.labelAlt, true),
      field(row, "caption", text.labelCaption, false),
      field(row, "credit", text.labelCredit, false),
    );
    fields.querySelector("[name=title]").value = stem(file.name);
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", file.name);
    const status = document.createElement("p");
    status.className = "batch-status";
    status.setAttribute("role", "status");
    row.append(preview, name, fields, progress, status);
    list.append(row);
    if (file.size > maxBytes) {
      setStatus(row, text.textTooBig, "refused-file");
      return;
    }
    setStatus(row, text.textWaiting, "waiting");
    const alt = fields.querySelector("[name=alt]");
    // While typing only the status follows; the file goes once the field is left (change),
    // never with half of the alt text.
    alt.addEventListener("input", () => consider(row, { send: false }));
    alt.addEventListener("change", () => consider(row, { send: true }));
  }

  // A row goes when the editor has asked for the upload and its alt text is good. A row
  // that failed on the network, or was refused for its text, goes again; a refused file not.
  function consider(row, { send: sendNow }) {
    if (!["waiting", "queued", "failed", "refused"].includes(row.dataset.state)) return;
    const problem = altProblem(row);
    if (problem) {
      setStatus(row, problem, "waiting");
    } else if (started && sendNow) {
      send(row);
    } else if (row.dataset.state === "waiting") {
      setStatus(row, text.textQueued, "queued");
    }
  }

  function send(row) {
    setStatus(row, text.textUploading, "uploading");
    const data = new FormData();
    data.append("file", row.file);
    for (const input of row.querySelectorAll(".batch-fields [name]")) data.append(input.name, input.value);
    const progress = row.querySelector("progress");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", () => finished(row, xhr));
    xhr.addEventListener("error", () => setStatus(row, text.textFailed, "failed"));
    xhr.send(data);
  }

  function finished(row, xhr) {
    let answer = null;
    try {
      answer = JSON.parse(xhr.responseText);
    } catch (error) {
      setStatus(row, text.textFailed, "failed");
      return;
    }
    if (!answer.ok) {
      const fileRefused = Boolean(answer.errors && answer.errors.file);
      setStatus(row, answer.message, fileRefused ? "refused-file" : "refused");
      return;
    }
    row.querySelector("progress").value = 100;
    setStatus(row, answer.message, answer.created ? "done" : "exists");
    const link = document.createElement("a");
    link.href = answer.url;
    link.textContent = answer.title;
    row.querySelector(".batch-status").append(" ", link);
    for (const input of row.querySelectorAll(".batch-fields [name]")) input.disabled = true;
  }

  function addFiles(files) {
    for (const file of files) addFile(file);
  }

  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("is-over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("is-over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("is-over");
    addFiles(event.dataTransfer.files);
  });
  picker.addEventListener("change", () => {
    addFiles(picker.files);
    picker.value = "";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    started = true;
    for (const row of list.querySelectorAll(".batch-row")) consider(row, { send: true });
  });
})();
