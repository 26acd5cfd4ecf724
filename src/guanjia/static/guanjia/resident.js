/* Guanjia: shrink the resident's photos on the phone before upload (canvas, at most 1600 px,
   JPEG). Our own script, no library. Without it (or when anything fails) the form posts the
   original files and the server shrinks them. */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var MAX_FILES = 3;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (file.type.indexOf("image/") !== 0) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size)) { resolve(file); return; }
          resolve(new File([blob], "photo.jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  // Back from the next page (the browser's page cache): the form may be sent again.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-shrunk]");
    Array.prototype.forEach.call(forms, function (form) {
      form.removeAttribute("data-shrunk");
      var button = form.querySelector("[type=submit]");
      if (!button) return;
      button.disabled = false;
      if (button.getAttribute("data-label")) button.textContent = button.getAttribute("data-label");
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector("input[type=file][data-shrink]");
    if (!input || !input.files || !input.files.length || form.getAttribute("data-shrunk")) return;
    if (typeof DataTransfer === "undefined" || !window.Promise || !HTMLCanvasElement.prototype.toBlob) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) {
      button.disabled = true;
      button.setAttribute("data-label", button.textContent);
      if (button.getAttribute("data-busy")) button.textContent = button.getAttribute("data-busy");
    }
    Promise.all(Array.prototype.slice.call(input.files, 0, MAX_FILES).map(shrink))
      .then(function (files) {
        var transfer = new DataTransfer();
        files.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
      })
      .catch(function () { /* send the originals */ })
      .then(function () {
        form.setAttribute("data-shrunk", "1");
        form.submit();
      });
  });
})();
