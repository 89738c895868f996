// The hotspot region editor: draw rectangles, circles and polygons on the image.
// Regions are kept in image pixels in the "hotspots" field (JSON); the server checks them.
(function () {
  "use strict";

  var editor = document.querySelector("[data-hotspot-editor]");
  if (!editor) {
    return;
  }
  var SVG = "http://www.w3.org/2000/svg";
  var svg = editor.querySelector("[data-hotspot-canvas]");
  var field = document.getElementById("hotspots");
  var fileInput = document.getElementById("image");
  var counter = editor.querySelector("[data-region-count]");
  var list = document.createElement("ol");
  list.className = "small region-list";
  editor.appendChild(list);

  var shapes = [];
  try {
    shapes = JSON.parse(field.value || "[]");
    if (!Array.isArray(shapes)) {
      shapes = [];
    }
  } catch (error) {
    shapes = [];
  }
  var polygon = [];
  var drag = null;
  var width = 0;
  var height = 0;
  var image = document.createElementNS(SVG, "image");
  var layer = document.createElementNS(SVG, "g");
  var preview = document.createElementNS(SVG, "g");
  svg.appendChild(image);
  svg.appendChild(layer);
  svg.appendChild(preview);

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function setImage(url, w, h) {
    width = w;
    height = h;
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    image.setAttribute("href", url);
    image.setAttribute("width", w);
    image.setAttribute("height", h);
    svg.classList.add("has-image");
    render();
  }

  function element(name, attributes, parent) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      el.setAttribute(key, attributes[key]);
    });
    parent.appendChild(el);
    return el;
  }

  function draw(shape, parent, cls) {
    if (shape.shape === "rect") {
      element("rect", { x: shape.x, y: shape.y, width: shape.w, height: shape.h, "class": cls }, parent);
    } else if (shape.shape === "circle") {
      element("circle", { cx: shape.cx, cy: shape.cy, r: shape.r, "class": cls }, parent);
    } else if (shape.shape === "polygon") {
      var points = shape.points.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      element("polygon", { points: points, "class": cls }, parent);
    }
  }

  function describe(shape) {
    if (shape.shape === "rect") {
      return "Rectangle at " + shape.x + ", " + shape.y + " (" + shape.w + " × " + shape.h + ")";
    }
    if (shape.shape === "circle") {
      return "Circle at " + shape.cx + ", " + shape.cy + ", radius " + shape.r;
    }
    return "Polygon with " + shape.points.length + " corners";
  }

  function render() {
    layer.replaceChildren();
    preview.replaceChildren();
    list.replaceChildren();
    shapes.forEach(function (shape, index) {
      draw(shape, layer, "hotspot-region");
      var item = document.createElement("li");
      item.textContent = describe(shape) + " ";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-link btn-sm p-0";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove region " + (index + 1));
      remove.addEventListener("click", function () {
        shapes.splice(index, 1);
        changed();
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
    if (polygon.length) {
      var pts = polygon.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      element("polyline", { points: pts, "class": "hotspot-drawing" }, preview);
    }
    counter.textContent = shapes.length + " region(s) drawn.";
  }

  function changed() {
    field.value = JSON.stringify(shapes);
    render();
  }

  function tool() {
    var checked = editor.querySelector('input[name="hotspot-tool"]:checked');
    return checked ? checked.value : "rect";
  }

  function at(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    return [round(Math.min(Math.max(local.x, 0), width)), round(Math.min(Math.max(local.y, 0), height))];
  }

  function shapeFrom(start, end) {
    if (tool() === "circle") {
      var r = round(Math.sqrt(Math.pow(end[0] - start[0], 2) + Math.pow(end[1] - start[1], 2)));
      return { shape: "circle", cx: start[0], cy: start[1], r: r };
    }
    return {
      shape: "rect",
      x: Math.min(start[0], end[0]),
      y: Math.min(start[1], end[1]),
      w: round(Math.abs(end[0] - start[0])),
      h: round(Math.abs(end[1] - start[1]))
    };
  }

  svg.addEventListener("pointerdown", function (event) {
    if (!width) {
      return;
    }
    event.preventDefault();
    if (tool() === "polygon") {
      polygon.push(at(event));
      render();
      return;
    }
    drag = at(event);
    svg.setPointerCapture(event.pointerId);
  });

  svg.addEventListener("pointermove", function (event) {
    if (!drag) {
      return;
    }
    preview.replaceChildren();
    draw(shapeFrom(drag, at(event)), preview, "hotspot-drawing");
  });

  svg.addEventListener("pointerup", function (event) {
    if (!drag) {
      return;
    }
    var shape = shapeFrom(drag, at(event));
    drag = null;
    if ((shape.shape === "rect" && shape.w >= 2 && shape.h >= 2) || (shape.shape === "circle" && shape.r >= 2)) {
      shapes.push(shape);
    }
    changed();
  });

  editor.querySelector("[data-finish-polygon]").addEventListener("click", function () {
    if (polygon.length >= 3) {
      shapes.push({ shape: "polygon", points: polygon });
    }
    polygon = [];
    changed();
  });

  editor.querySelector("[data-clear-regions]").addEventListener("click", function () {
    shapes = [];
    polygon = [];
    changed();
  });

  // A new image is shown at once (read here, as a data: URL the page's policy allows).
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      if (!file) {
        return;
      }
      var reader = new FileReader();
      reader.addEventListener("load", function () {
        var probe = new Image();
        probe.addEventListener("load", function () {
          shapes = [];
          polygon = [];
          setImage(reader.result, probe.naturalWidth, probe.naturalHeight);
          changed();
        });
        probe.src = reader.result;
      });
      reader.readAsDataURL(file);
    });
  }

  if (editor.hasAttribute("data-image-url")) {
    setImage(
      editor.getAttribute("data-image-url"),
      Number(editor.getAttribute("data-width")),
      Number(editor.getAttribute("data-height"))
    );
  } else {
    render();
  }
})();
