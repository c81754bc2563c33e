"""The review page: the script page (colours, player, follow-along) plus a panel that edits the cast."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

from ..model import NARRATOR, Book
from ..publish.scriptpage import UNCERTAIN, PageAudio, build_page
from ..voices.config import Config


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _cast(books: Sequence[Book], config: Config) -> list[tuple[str, int]]:
    """Every speaker on the page and every character in voices.yaml, with lines, most lines first."""
    lines: dict[str, int] = {}
    for book in books:
        for chapter in book.chapters:
            for seg in chapter.segments:
                if seg.kind == "dialogue" and seg.speaker and seg.speaker != NARRATOR:
                    lines[seg.speaker] = lines.get(seg.speaker, 0) + 1
    for name in config.characters:
        lines.setdefault(name, 0)
    return sorted(lines.items(), key=lambda t: (-t[1], t[0]))


def _character(name: str, n: int, config: Config, everyone: Sequence[str]) -> str:
    entry = config.lookup(name)
    voice = entry.voice if entry else config.default_for(None)
    gender = entry.gender if entry else None
    others = "".join(f'<option value="{_e(o)}">{_e(o)}</option>' for o in everyone if o != name)
    genders = "".join(f'<option value="{g}"{" selected" if g == gender else ""}>{g or "—"}</option>'
                      for g in ("", "male", "female"))
    aliases = f' <span class="aliases">also {_e(", ".join(entry.aliases))}</span>' if entry and entry.aliases else ""
    return (
        f'<details class="char" data-name="{_e(name)}"><summary><b>{_e(name)}</b> '
        f'<span class="count">{n} line{"s" if n != 1 else ""}</span>{aliases}</summary>'
        f'<div class="row"><input class="rename" aria-label="New name for {_e(name)}" placeholder="new name">'
        f'<button class="do-rename">Rename</button></div>'
        f'<div class="row"><select class="merge-into" aria-label="Merge {_e(name)} into">{others}</select>'
        f'<button class="do-merge">Merge into</button></div>'
        f'<div class="row"><button class="do-notchar">Not a character</button>'
        f'<label>gender <select class="gender">{genders}</select></label></div>'
        f'<div class="row voice"><input class="voice-id" aria-label="Voice of {_e(name)}" value="{_e(voice.voice)}">'
        f'<label>rate <input class="rate" type="number" min="80" max="450" value="{voice.rate}"></label>'
        f'<label>pitch <input class="pitch" type="number" min="0" max="100" value="{voice.pitch}"></label></div>'
        f'<div class="row"><button class="do-voice">Save voice</button><button class="do-preview">Preview</button>'
        f'</div></details>'
    )


def panel(books: Sequence[Book], config: Config, issues: Sequence[str]) -> str:
    """The review panel: status, the selected line, uncertain lines, the cast, override problems."""
    cast = _cast(books, config)
    names = [n for n, _ in cast]
    options = "".join(f'<option value="{_e(n)}">' for n in [*names, NARRATOR])
    problems = "".join(f"<li>{_e(i)}</li>" for i in issues)
    narrator = _character(NARRATOR, 0, config, []).replace('<button class="do-notchar">Not a character</button>', "")
    titles = [c.title for b in books for c in b.chapters]
    chapters = "".join(f'<option value="ch{i}">{_e(t)}</option>' for i, t in enumerate(titles))
    return (
        '<aside id="review" aria-label="Review">'
        '<p id="status" role="status">Click a line to give it another speaker.</p>'
        '<div class="row"><button id="rerender">Re-render</button>'
        '<span class="keys">only lines whose voice changed are synthesised again</span></div>'
        + (f'<div class="row"><label>Chapter <select id="chapter-jump">{chapters}</select></label></div>'
           if len(titles) > 1 else "")
        +
        '<section id="line-panel"><h3>Line</h3><p id="line-text">No line selected.</p>'
        f'<datalist id="cast-names">{options}</datalist>'
        '<div class="row"><input id="speaker" list="cast-names" aria-label="Speaker" placeholder="speaker">'
        '<button id="assign">Give to speaker</button></div>'
        '<div class="row"><button id="narration">Narration</button><button id="accept">Accept</button></div>'
        '</section>'
        '<section id="uncertain-panel"><h3>Uncertain lines <span id="unc-count"></span></h3>'
        '<div class="row"><button id="prev">◀ Previous</button><button id="next">Next ▶</button></div>'
        '<p class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous uncertain line, <kbd>a</kbd> accept, '
        '<kbd>r</kbd> reassign, <kbd>n</kbd> narration.</p></section>'
        '<section id="cast-panel"><h3>Cast</h3>'
        + "".join(_character(n, k, config, names) for n, k in cast)
        + narrator
        + '</section>'
        + (f'<section id="problems"><h3>Overrides to check</h3><ul>{problems}</ul></section>' if problems else "")
        + '<audio id="preview-audio"></audio></aside>'
    )


def review_page(books: Sequence[Book], config: Config, audio: Mapping[tuple[int, int], PageAudio],
                issues: Sequence[str], token: str) -> str:
    """The script page with the review panel, its styles and its script; `token` authorises edits."""
    page = build_page(books, audio, uncertain=UNCERTAIN)
    data = json.dumps({"token": token}).replace("</", "<\\/")
    head = f'<meta name="review-token" content="{_e(token)}"><style>{_CSS}</style></head>'
    page = page.replace("</head>", head, 1)
    page = page.replace("<main>", panel(books, config, issues) + "<main>", 1)
    script = f'<script type="application/json" id="review-data">{data}</script><script>{_JS}</script></body>'
    return page.replace("</body>", script, 1)


_CSS = """
body{margin-right:23rem}
#review{position:fixed;top:0;right:0;bottom:0;width:22rem;overflow:auto;background:#f6f6f4;
 border-left:1px solid #d0d0cc;padding:.6rem .8rem;font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;
 color:#262626;z-index:2}
#review h3{font-size:.95rem;margin:.8rem 0 .3rem}
#review .row{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin:.25rem 0}
#review input,#review select,#review button{font:inherit}
#review input.rename,#review #speaker,#review .voice-id{flex:1;min-width:6rem}
#review input[type=number]{width:4.2rem}
#status{background:#fff;border:1px solid #d0d0cc;border-radius:6px;padding:.4rem .5rem;margin:0}
#status.error{border-color:#b0241c;color:#8a1c16}
#line-text{background:#fff;border-radius:4px;padding:.3rem .4rem;margin:.2rem 0;max-height:7rem;overflow:auto}
.char{border-top:1px solid #e0e0dc;padding:.25rem 0}
.char summary{cursor:pointer}
.char .count,.char .aliases{color:#4a4a4a}
.keys{color:#4a4a4a;font-size:.85rem}
.seg.line{cursor:pointer}
.seg.selected{outline:3px solid #0a58a8;outline-offset:1px}
"""

_JS = r"""
(function () {
  "use strict";
  var token = JSON.parse(document.getElementById("review-data").textContent).token;
  var status = document.getElementById("status");
  var speaker = document.getElementById("speaker");
  var lineText = document.getElementById("line-text");
  var selected = null;
  var uncertain = Array.prototype.slice.call(document.querySelectorAll(".seg.line.uncertain"));
  document.getElementById("unc-count").textContent = "(" + uncertain.length + ")";

  function say(text, error) { status.textContent = text; status.className = error ? "error" : ""; }

  function where(el) {
    var m = /^c(\d+)s(\d+)$/.exec(el.id);
    return { chapter: parseInt(m[1], 10), segment: parseInt(m[2], 10) };
  }

  function select(el, scroll) {
    if (selected) selected.classList.remove("selected");
    selected = el;
    if (!el) return;
    el.classList.add("selected");
    var who = el.getAttribute("data-speaker");
    lineText.textContent = el.textContent.replace(/^[^\u201c]*/, "") + " \u2014 " + who +
      " (confidence " + el.getAttribute("data-confidence") + ")";
    speaker.value = who === "unknown speaker" ? "" : who;
    sessionStorage.setItem("review-selected", el.id);
    if (scroll) el.scrollIntoView({ block: "center" });
  }

  function edit(body) {
    say("Saving\u2026");
    return fetch("/api/edit", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Review-Token": token },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, json: j }; });
    }).then(function (res) {
      if (!res.ok) { say(res.json.error || "The edit failed.", true); return; }
      sessionStorage.setItem("review-status", res.json.message);
      sessionStorage.setItem("review-scroll", String(window.scrollY));
      location.reload();
    }).catch(function (e) { say("The edit failed: " + e, true); });
  }

  function lineText_(el) {
    var clone = el.cloneNode(true);
    var who = clone.querySelector(".who");
    if (who) who.remove();
    return clone.textContent.replace(/^\u201c/, "").replace(/\u201d$/, "");
  }

  function give(name) {
    if (!selected) { say("Select a line first.", true); return; }
    if (!name) { say("Type or pick a speaker.", true); return; }
    var w = where(selected);
    edit({ op: "speaker", chapter: w.chapter, segment: w.segment, text: lineText_(selected), speaker: name });
  }

  document.querySelector("main").addEventListener("click", function (e) {
    var el = e.target.closest(".seg.line");
    if (el) select(el, false);
  });
  document.getElementById("assign").addEventListener("click", function () { give(speaker.value.trim()); });
  document.getElementById("narration").addEventListener("click", function () { give("Narrator"); });
  document.getElementById("accept").addEventListener("click", function () {
    give(selected && selected.getAttribute("data-speaker") !== "unknown speaker" ?
      selected.getAttribute("data-speaker") : "");
  });
  speaker.addEventListener("keydown", function (e) { if (e.key === "Enter") give(speaker.value.trim()); });

  function step(d) {
    if (!uncertain.length) { say("No uncertain lines."); return; }
    var i = selected ? uncertain.indexOf(selected) : -1;
    if (i < 0) {
      i = d > 0 ? -1 : uncertain.length;
      if (selected) {  // from a certain line: the next uncertain one after (or before) it on the page
        var pos = uncertain.filter(function (u) {
          return selected.compareDocumentPosition(u) & Node.DOCUMENT_POSITION_FOLLOWING;
        }).length;
        i = d > 0 ? uncertain.length - pos - 1 : uncertain.length - pos;
      }
    }
    var j = Math.max(0, Math.min(uncertain.length - 1, i + d));
    select(uncertain[j], true);
    say("Uncertain line " + (j + 1) + " of " + uncertain.length + ".");
  }
  document.getElementById("next").addEventListener("click", function () { step(1); });
  document.getElementById("prev").addEventListener("click", function () { step(-1); });
  document.addEventListener("keydown", function (e) {
    var t = e.target.tagName;
    if (t === "INPUT" || t === "SELECT" || t === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") { step(1); } else if (e.key === "k") { step(-1); }
    else if (e.key === "a") { document.getElementById("accept").click(); }
    else if (e.key === "n") { give("Narrator"); }
    else if (e.key === "r") { e.preventDefault(); speaker.focus(); speaker.select(); }
    else { return; }
  });

  document.querySelectorAll("details.char").forEach(function (box) {
    var name = box.getAttribute("data-name");
    function q(sel) { return box.querySelector(sel); }
    function on(sel, fn) { var b = q(sel); if (b) b.addEventListener("click", fn); }
    on(".do-rename", function () { edit({ op: "rename", old: name, new: q(".rename").value.trim() }); });
    on(".do-merge", function () { edit({ op: "merge", source: name, target: q(".merge-into").value }); });
    on(".do-notchar", function () { edit({ op: "not_character", name: name }); });
    var g = q(".gender");
    if (g) {
      g.addEventListener("change", function () {
        if (g.value) edit({ op: "gender", name: name, gender: g.value });
      });
    }
    function voiceFields() {
      return { voice: q(".voice-id").value.trim() || null, rate: parseInt(q(".rate").value, 10),
               pitch: parseInt(q(".pitch").value, 10) };
    }
    on(".do-voice", function () {
      var v = voiceFields();
      edit({ op: "voice", name: name, voice: v.voice, rate: isNaN(v.rate) ? null : v.rate,
             pitch: isNaN(v.pitch) ? null : v.pitch });
    });
    on(".do-preview", function () {
      var v = voiceFields();
      var url = "/api/preview?token=" + encodeURIComponent(token) + "&name=" + encodeURIComponent(name) +
        "&voice=" + encodeURIComponent(v.voice || "") + "&rate=" + (isNaN(v.rate) ? "" : v.rate) +
        "&pitch=" + (isNaN(v.pitch) ? "" : v.pitch);
      var player = document.getElementById("preview-audio");
      say("Synthesising a preview of " + name + "\u2026");
      player.src = url;
      player.play().then(function () { say("Playing a preview of " + name + "."); },
                         function () { say("Preview ready (press play if it did not start).", false); });
    });
  });

  var rerender = document.getElementById("rerender");
  function poll() {
    fetch("/api/render").then(function (r) { return r.json(); }).then(function (st) {
      if (st.running) { setTimeout(poll, 1000); return; }
      rerender.disabled = false;
      if (st.returncode === 0) {
        var lines = st.output.trim().split("\n");
        sessionStorage.setItem("review-status", "Rendered: " + lines[lines.length - 1]);
        sessionStorage.setItem("review-scroll", String(window.scrollY));
        location.reload();
      } else {
        say("The render failed: " + st.output, true);
      }
    });
  }
  rerender.addEventListener("click", function () {
    rerender.disabled = true;
    say("Rendering…");
    fetch("/api/render", { method: "POST", headers: { "X-Review-Token": token } }).then(function (r) {
      if (r.status === 202 || r.status === 409) { poll(); return; }
      rerender.disabled = false;
      say("The render did not start.", true);
    });
  });

  var jump = document.getElementById("chapter-jump");
  if (jump) {
    jump.addEventListener("change", function () {
      document.getElementById(jump.value).scrollIntoView({ block: "start" });
    });
  }

  var msg = sessionStorage.getItem("review-status");
  if (msg) { say(msg); sessionStorage.removeItem("review-status"); }
  var y = sessionStorage.getItem("review-scroll");
  if (y) { window.scrollTo(0, parseFloat(y)); sessionStorage.removeItem("review-scroll"); }
  var keep = sessionStorage.getItem("review-selected");
  if (keep && document.getElementById(keep)) select(document.getElementById(keep), false);
})();
"""

__all__ = ["review_page", "panel"]
