// The console's one script (written for it, no library): checks a resident identity
// number as it is typed, by the GB 11643 check character, and fills the birth date it
// holds. The node checks the number again; without this script the form still works.
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECKS = "10X98765432";

  function checkCharacter(first17) {
    var sum = 0;
    for (var i = 0; i < 17; i += 1) {
      sum += Number(first17.charAt(i)) * WEIGHTS[i];
    }
    return CHECKS.charAt(sum % 11);
  }

  function watch(input) {
    var hint = document.createElement("span");
    hint.className = "identity-check";
    hint.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", hint);
    var birth = input.form ? input.form.querySelector("input[name=birth_date]") : null;
    input.addEventListener("input", function () {
      var value = input.value.trim().toUpperCase();
      hint.className = "identity-check";
      if (value.length < 18) {
        hint.textContent = value ? value.length + " / 18" : "";
        return;
      }
      if (!/^[0-9]{17}[0-9X]$/.test(value)) {
        hint.textContent = input.dataset.shape;
        hint.className = "identity-check wrong";
        return;
      }
      var want = checkCharacter(value.slice(0, 17));
      if (value.charAt(17) !== want) {
        hint.textContent = input.dataset.wrong.replace("{}", want);
        hint.className = "identity-check wrong";
        return;
      }
      hint.textContent = input.dataset.right;
      hint.className = "identity-check right";
      if (birth && !birth.value) {
        birth.value = value.slice(6, 10) + "-" + value.slice(10, 12) + "-" + value.slice(12, 14);
      }
    });
  }

  document.querySelectorAll("input[data-identity]").forEach(watch);
})();
