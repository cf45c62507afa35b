// The transcript editor of `pipeline serve --edit`: plain JavaScript, no framework.
// Every text from the transcript goes into the page as textContent or an input's value,
// never as HTML.
"use strict";

(() => {
  const main = document.getElementById("editor");
  const slug = main.dataset.slug;
  const api = `/api/episodes/${encodeURIComponent(slug)}/transcript`;
  const player = document.getElementById("player");
  const statusLine = document.getElementById("status");
  const saveButton = document.getElementById("save");
  const list = document.getElementById("segments");
  const speakerList = document.getElementById("speakers");
  const names = document.getElementById("speaker-names");
  const changeCount = document.getElementById("change-count");
  const changeList = document.getElementById("change-list");
  const TOKEN = "pipeline-edit-token";

  const token = new URLSearchParams(location.search).get("token") || sessionStorage.getItem(TOKEN) || "";
  if (token) sessionStorage.setItem(TOKEN, token);

  let etag = null;
  let segments = []; // as last saved: {start, end, text, speaker, words}
  let rows = []; // {li, text, speaker} for each segment
  const changed = new Set(); // indices of segments that differ from the last save
  let current = -1;
  let saving = false;

  const norm = (text) => text.replace(/\s+/g, " ").trim();
  const speakerOf = (value) => norm(value) || null;

  function clock(seconds) {
    const s = Math.floor(seconds);
    const two = (n) => String(n).padStart(2, "0");
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
  }

  function say(message, kind = "") {
    statusLine.textContent = message;
    statusLine.className = kind;
  }

  function element(name, className, text) {
    const node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The segment's text, each word a span when the text still has the words as heard:
  // those heard with a probability under `doubt` are marked.
  function fillText(box, segment, doubt) {
    box.replaceChildren();
    const tokens = norm(segment.text).split(" ").filter(Boolean);
    const words = segment.words || [];
    if (tokens.length !== words.length || !words.some((w) => w.probability < doubt)) {
      box.textContent = norm(segment.text);
      return;
    }
    tokens.forEach((token, k) => {
      if (k) box.append(" ");
      if (words[k].probability < doubt) {
        const mark = element("mark", "unsure", token);
        mark.title = `heard with a probability of ${words[k].probability.toFixed(2)}`;
        box.append(mark);
      } else {
        box.append(token);
      }
    });
  }

  function row(segment, index, doubt) {
    const li = element("li", "segment");
    li.dataset.index = String(index);
    const time = element("button", "time", clock(segment.start));
    time.type = "button";
    time.title = "Play from here";
    const speaker = element("input", "speaker");
    speaker.value = segment.speaker || "";
    speaker.placeholder = "speaker";
    speaker.setAttribute("list", "speaker-names");
    speaker.setAttribute("aria-label", `Speaker at ${clock(segment.start)}`);
    const text = element("div", "text");
    text.contentEditable = "plaintext-only";
    if (text.contentEditable !== "plaintext-only") text.contentEditable = "true";
    text.spellcheck = true;
    text.setAttribute("role", "textbox");
    text.setAttribute("aria-label", `Text at ${clock(segment.start)}`);
    fillText(text, segment, doubt);
    li.append(time, speaker, text);
    return { li, text, speaker };
  }

  function render(doc) {
    document.getElementById("doubt").textContent = String(doc.doubt);
    rows = doc.segments.map((segment, i) => row(segment, i, doc.doubt));
    list.replaceChildren(...rows.map((r) => r.li));
    changed.clear();
    refreshSpeakers();
    showChanges();
  }

  // --- what changed since the last save ---------------------------------------------------

  function now(i) {
    return { text: norm(rows[i].text.textContent), speaker: speakerOf(rows[i].speaker.value) };
  }

  function check(i) {
    const was = segments[i], is = now(i);
    const differs = is.text !== norm(was.text) || is.speaker !== was.speaker;
    rows[i].li.classList.toggle("changed", differs);
    if (differs) changed.add(i); else changed.delete(i);
  }

  function showChanges() {
    const n = changed.size;
    changeCount.textContent = n ? `${n} segment${n === 1 ? "" : "s"}` : "none";
    saveButton.disabled = saving || !n || !token;
    const items = [...changed].sort((a, b) => a - b).slice(0, 200).map((i) => {
      const was = segments[i], is = now(i);
      const item = element("li");
      const jump = element("button", "time", clock(was.start));
      jump.type = "button";
      jump.addEventListener("click", () => select(i, true, true));
      item.append(jump);
      if (is.speaker !== was.speaker) {
        item.append(element("span", "speaker-change", ` ${was.speaker || "no speaker"} → ${is.speaker || "no speaker"}`));
      }
      if (is.text !== norm(was.text)) {
        item.append(" ", element("del", "", norm(was.text)), " ", element("ins", "", is.text));
      }
      return item;
    });
    changeList.replaceChildren(...items);
  }

  function refreshSpeakers() {
    const counts = new Map();
    rows.forEach((r) => {
      const name = speakerOf(r.speaker.value);
      counts.set(name, (counts.get(name) || 0) + 1);
    });
    names.replaceChildren(...[...counts.keys()].filter(Boolean).map((n) => {
      const option = element("option");
      option.value = n;
      return option;
    }));
    speakerList.replaceChildren(...[...counts].map(([name, count]) => {
      const item = element("li");
      const input = element("input", "rename");
      input.value = name || "";
      input.placeholder = "no speaker";
      input.setAttribute("aria-label", `Rename ${name || "no speaker"} everywhere`);
      input.addEventListener("change", () => rename(name, speakerOf(input.value)));
      item.append(input, element("span", "muted", ` ${count} segment${count === 1 ? "" : "s"}`));
      return item;
    }));
  }

  function rename(from, to) {
    rows.forEach((r, i) => {
      if (speakerOf(r.speaker.value) === from) {
        r.speaker.value = to || "";
        check(i);
      }
    });
    refreshSpeakers();
    showChanges();
  }

  // --- listening --------------------------------------------------------------------------

  function select(i, play, focus) {
    if (i < 0 || i >= rows.length) return;
    if (current >= 0 && rows[current]) rows[current].li.classList.remove("active");
    current = i;
    const r = rows[i];
    r.li.classList.add("active");
    r.li.scrollIntoView({ block: "nearest" });
    if (focus) {
      r.text.focus();
      const range = document.createRange();
      range.selectNodeContents(r.text);
      range.collapse(false);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    if (play && player) {
      player.currentTime = segments[i].start;
      player.play().catch(() => say("The browser did not start playing; press play once.", "error"));
    }
  }

  function toggle() {
    if (!player) return;
    if (player.paused) player.play().catch(() => {}); else player.pause();
  }

  list.addEventListener("click", (event) => {
    const li = event.target.closest("li.segment");
    if (!li) return;
    const i = Number(li.dataset.index);
    // A click on another segment plays it from its start; clicks inside the one being
    // corrected only place the cursor. The time always plays from the start.
    if (i !== current || event.target.classList.contains("time")) select(i, true, false);
  });

  list.addEventListener("input", (event) => {
    const li = event.target.closest("li.segment");
    if (!li) return;
    check(Number(li.dataset.index));
    showChanges();
  });

  list.addEventListener("change", (event) => {
    if (event.target.classList.contains("speaker")) refreshSpeakers();
  });

  list.addEventListener("paste", (event) => {
    if (!event.target.closest(".text")) return;
    event.preventDefault();
    const text = (event.clipboardData.getData("text/plain") || "").replace(/\s+/g, " ");
    document.execCommand("insertText", false, text);
  });

  list.addEventListener("keydown", (event) => {
    const box = event.target.closest(".text");
    if (!box || event.key !== "Enter" || event.ctrlKey || event.metaKey) return;
    event.preventDefault(); // one line: Enter moves on
    const i = Number(box.closest("li.segment").dataset.index);
    select(event.shiftKey ? i - 1 : i + 1, true, true);
  });

  document.addEventListener("keydown", (event) => {
    const command = event.ctrlKey || event.metaKey;
    if (event.key === "Escape") {
      event.preventDefault();
      toggle();
    } else if (command && event.key === "Enter") {
      event.preventDefault();
      select(current >= 0 ? current : 0, true, false);
    } else if (command && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      save();
    } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      select(current + (event.key === "ArrowDown" ? 1 : -1), true, true);
    }
  });

  if (player) {
    player.addEventListener("timeupdate", () => {
      const t = player.currentTime;
      let lo = 0, hi = segments.length - 1, found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (segments[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
      }
      const playing = list.querySelector("li.playing");
      const next = found >= 0 && t <= segments[found].end + 1 ? rows[found].li : null;
      if (playing !== next) {
        if (playing) playing.classList.remove("playing");
        if (next) next.classList.add("playing");
      }
    });
  }

  window.addEventListener("beforeunload", (event) => {
    if (changed.size) event.preventDefault();
  });

  // --- loading and saving -----------------------------------------------------------------

  async function answer(response) {
    try {
      return await response.json();
    } catch {
      return { error: `the server answered ${response.status}` };
    }
  }

  async function load() {
    const response = await fetch(api, { headers: { Accept: "application/json" }, cache: "no-store" });
    const doc = await answer(response);
    if (!response.ok) {
      say(`Cannot load the transcript: ${doc.error}`, "error");
      return;
    }
    etag = response.headers.get("ETag");
    segments = doc.segments;
    render(doc);
    if (token) say(`${segments.length} segments. Click one to listen.`);
    else say("Read only: open the address `pipeline serve --edit` printed (with ?token=) to save.", "error");
  }

  async function save() {
    if (saving || !changed.size || !token) return;
    const sent = segments.map((s, i) => {
      const is = now(i);
      return {
        start: s.start,
        end: s.end,
        speaker: is.speaker,
        text: is.text === norm(s.text) ? s.text : is.text,
      };
    });
    saving = true;
    saveButton.disabled = true;
    say("Saving, then rebuilding the episode's page…");
    try {
      const response = await fetch(api, {
        method: "PUT",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${token}`,
          "If-Match": etag,
        },
        body: JSON.stringify({ slug, segments: sent }),
      });
      const result = await answer(response);
      if (response.status === 412) {
        offerReapply(result.error);
        return;
      }
      if (!response.ok) {
        say(`Not saved: ${result.error}`, "error");
        return;
      }
      etag = result.etag;
      sent.forEach((s, i) => Object.assign(segments[i], { text: s.text, speaker: s.speaker }));
      rows.forEach((_, i) => check(i));
      const problems = result.problems.length ? ` ${result.problems.join(" ")}` : "";
      say(result.rebuilt ? `Saved; the page is rebuilt (${result.seconds} s).` : `Saved.${problems}`,
        result.rebuilt ? "saved" : "error");
    } catch (error) {
      say(`Not saved: the server cannot be reached (${error.message}); your changes are still here.`, "error");
    } finally {
      saving = false;
      showChanges();
    }
  }

  // After a refused save (the file changed on disk): load the file as it is now and put the
  // host's changed segments back over it, for the host to check and save again.
  function offerReapply(error) {
    const mine = [...changed].map((i) => [i, now(i)]);
    say(`Not saved: ${error} `, "error");
    const button = element("button", "reapply", "Load the new version and keep my changes");
    button.type = "button";
    button.addEventListener("click", () => reapply(mine));
    statusLine.append(button);
  }

  async function reapply(mine) {
    const count = segments.length;
    await load();
    if (segments.length !== count) {
      say("The file now has another number of segments: copy your changes, reload and apply them again.", "error");
      return;
    }
    for (const [i, is] of mine) {
      rows[i].text.textContent = is.text;
      rows[i].speaker.value = is.speaker || "";
      check(i);
    }
    refreshSpeakers();
    showChanges();
    say(`Loaded the file as it is now, with your ${mine.length === 1 ? "change" : "changes"} over it: check and save.`);
  }

  saveButton.addEventListener("click", save);
  load();
})();
