// The "Listen" button of a question: reads the stem, the question and its options aloud with
// the browser's own speech synthesis, in the wording's language, so no text leaves the device.
// The button stays hidden unless the device has a voice for that language; pressing it never
// moves focus.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }

  function voiceFor(lang) {
    var wanted = lang.toLowerCase();
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i += 1) {
      var voiceLang = (voices[i].lang || "").toLowerCase().replace("_", "-");
      if (voiceLang === wanted || voiceLang.indexOf(wanted + "-") === 0) {
        return voices[i];
      }
    }
    return null;
  }

  function buttons() {
    return document.querySelectorAll("button.listen[data-listen-text]");
  }

  function showWhereAVoiceExists() {
    buttons().forEach(function (button) {
      button.hidden = voiceFor(button.getAttribute("data-listen-lang")) === null;
    });
  }

  function speak(button) {
    var lang = button.getAttribute("data-listen-lang");
    var utterance = new window.SpeechSynthesisUtterance(button.getAttribute("data-listen-text"));
    utterance.lang = lang;
    var voice = voiceFor(lang);
    if (voice) {
      utterance.voice = voice;
    }
    synth.cancel(); // a second press starts again rather than queueing
    synth.speak(utterance);
  }

  function start() {
    buttons().forEach(function (button) {
      button.addEventListener("click", function () {
        speak(button);
      });
    });
    showWhereAVoiceExists();
    // Voices often load after the page: look again when the list changes.
    if (typeof synth.addEventListener === "function") {
      synth.addEventListener("voiceschanged", showWhereAVoiceExists);
    } else {
      synth.onvoiceschanged = showWhereAVoiceExists;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
