// The focal-point picker on the image change form: a click on the picture sets focal_x and
// focal_y (0..1), and the 16:9 and 1:1 previews show the crops the worker will make.
// Loaded in <head> with the admin's form media: it starts once the form is there.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const picker = document.getElementById("focal-picker");
  if (!picker) return;
  const width = Number(picker.dataset.width);
  const height = Number(picker.dataset.height);
  const inputX = document.getElementById("id_focal_x");
  const inputY = document.getElementById("id_focal_y");
  const frame = document.getElementById("focal-frame");
  const marker = document.getElementById("focal-marker");
  const value = document.getElementById("focal-value");

  const clamp = (v) => Math.min(1, Math.max(0, v));

  // Python's round(): halves go to the even neighbour, as crop_box computes.
  function roundHalfEven(v) {
    const floor = Math.floor(v);
    const diff = v - floor;
    if (diff !== 0.5) return Math.round(v);
    return floor % 2 === 0 ? floor : floor + 1;
  }

  // newsroom.images.renditions.crop_box in pixels: the largest box of the ratio, centred on
  // the focal point and pushed back inside the picture. object-position p% puts the box's
  // left edge at p% of the slack (picture width minus box width), so p = left / slack.
  function cropBox(ratioW, ratioH, fx, fy) {
    let w = width;
    let h = roundHalfEven((width * ratioH) / ratioW);
    if (h > height) {
      w = roundHalfEven((height * ratioW) / ratioH);
      h = height;
    }
    const left = Math.min(Math.max(roundHalfEven(fx * width - w / 2), 0), width - w);
    const top = Math.min(Math.max(roundHalfEven(fy * height - h / 2), 0), height - h);
    return { left, top, w, h };
  }

  function percent(offset, slack) {
    return slack > 0 ? `${((offset / slack) * 100).toFixed(2)}%` : "50%";
  }

  function showCrop(img, ratio, fx, fy) {
    const [ratioW, ratioH] = ratio.split(":").map(Number);
    const box = cropBox(ratioW, ratioH, fx, fy);
    img.style.objectPosition = `${percent(box.left, width - box.w)} ${percent(box.top, height - box.h)}`;
  }

  // Without the inputs (a user who may only view the picture) the saved point is shown.
  const editable = Boolean(inputX && inputY);

  function show() {
    const fx = Number(editable ? inputX.value : picker.dataset.focalX);
    const fy = Number(editable ? inputY.value : picker.dataset.focalY);
    marker.style.left = `${fx * 100}%`;
    marker.style.top = `${fy * 100}%`;
    for (const crop of picker.querySelectorAll(".focal-crop")) {
      showCrop(crop.querySelector("img"), crop.dataset.ratio, fx, fy);
    }
    value.textContent = `${Math.round(fx * 100)}%，${Math.round(fy * 100)}%`;
  }

  show();
  if (!editable) return;

  frame.addEventListener("click", (event) => {
    const box = frame.getBoundingClientRect();
    // Four decimals: a tenth of a pixel on a 10,000-pixel picture is finer than anyone clicks.
    inputX.value = clamp((event.clientX - box.left) / box.width).toFixed(4);
    inputY.value = clamp((event.clientY - box.top) / box.height).toFixed(4);
    show();
  });
  // Keyboard: the arrow keys move the point by 2% of the picture.
  const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  frame.addEventListener("keydown", (event) => {
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    inputX.value = clamp(Number(inputX.value) + step[0] * 0.02).toFixed(4);
    inputY.value = clamp(Number(inputY.value) + step[1] * 0.02).toFixed(4);
    show();
  });
  for (const input of [inputX, inputY]) input.addEventListener("input", show);
});
