/*
 * kurz admin page: the copy buttons. Everything else works without
 * script; this file is the only one the pages load (CSP script-src 'self').
 */
"use strict";

function kurzCopied(button, ok) {
	var label = button.textContent;

	button.textContent = ok ? "Copied" : "Press Ctrl+C";
	button.classList.add(ok ? "copied" : "copy-failed");
	window.setTimeout(function () {
		button.textContent = label;
		button.classList.remove("copied", "copy-failed");
	}, 1500);
}

/* Without the clipboard API (plain http on another host): select a copy. */
function kurzCopyFallback(button, text) {
	var field = document.createElement("input");

	field.value = text;
	field.setAttribute("readonly", "");
	field.className = "copy-field";
	button.insertAdjacentElement("afterend", field);
	field.select();
	try {
		kurzCopied(button, document.execCommand("copy"));
	} catch (e) {
		kurzCopied(button, false);
	}
	field.remove();
}

document.addEventListener("click", function (ev) {
	var button = ev.target.closest("button.copy");
	var text;

	if (button === null)
		return;
	text = button.getAttribute("data-copy");
	if (navigator.clipboard && window.isSecureContext) {
		navigator.clipboard.writeText(text).then(function () {
			kurzCopied(button, true);
		}, function () {
			kurzCopyFallback(button, text);
		});
	} else
		kurzCopyFallback(button, text);
});
