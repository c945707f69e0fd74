// The focal-point picker on the image change form: a click on the picture sets focal_x and
// focal_y (0..1), and the 16:9 and 1:1 previews show the crops the worker will make.
(function () {
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

  // As newsroom.images.renditions.crop_box: the largest box of the ratio, centred on the
  // focal point and pushed back inside the picture. object-position p% puts the box's left
  // edge at p% of the slack (picture width minus box width), so p = left / slack.
  function position(focal, size, box) {
    const slack = size - box;
    if (slack <= 0) return 50;
    return (clamp((focal * size - box / 2) / slack) * 100);
  }

  function showCrop(img, ratio, fx, fy) {
    const boxW = Math.min(width, height * ratio);
    const boxH = Math.min(height, width / ratio);
    img.style.objectPosition = `${position(fx, width, boxW)}% ${position(fy, height, boxH)}%`;
  }

  function show() {
    const fx = Number(inputX.value);
    const fy = Number(inputY.value);
    marker.style.left = `${fx * 100}%`;
    marker.style.top = `${fy * 100}%`;
    for (const crop of picker.querySelectorAll(".focal-crop")) {
      showCrop(crop.querySelector("img"), Number(crop.dataset.ratio), fx, fy);
    }
    value.textContent = `${Math.round(fx * 100)}%，${Math.round(fy * 100)}%`;
  }

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
  show();
})();
