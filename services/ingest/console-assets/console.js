// Progressive enhancements of the console; every form works without this file.
(function () {
  'use strict';

  // Buttons marked data-confirm ask before a destructive action (without JavaScript the server
  // shows a confirmation page instead).
  document.addEventListener('submit', function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute('data-confirm')) || event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Time-zone selects start at the browser's own zone, unless the page chose one already.
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    zone = null;
  }
  if (typeof zone === 'string' && /^[A-Za-z0-9_+/-]{1,64}$/.test(zone)) {
    document.querySelectorAll('select[data-guess-time-zone]').forEach(function (select) {
      var dateField = select.form && select.form.querySelector('input[type=datetime-local]');
      if (dateField && dateField.value) return; // a stored time is shown in UTC: keep the pair consistent
      if (
        !Array.prototype.some.call(select.options, function (o) {
          return o.value === zone;
        })
      )
        select.add(new Option(zone, zone));
      select.value = zone;
    });
  }

  // The body textarea becomes a Trix editor writing into a hidden field of the same name; what it
  // produces is sanitized by the server exactly as text typed into the textarea would be.
  // Trix defines its element once it has started (after this file runs): wait for it. Without
  // Trix (blocked, failed to load) the textarea simply stays.
  if (window.customElements && document.querySelector('textarea[data-rich-text]')) {
    window.customElements.whenDefined('trix-editor').then(function () {
      document.querySelectorAll('textarea[data-rich-text]').forEach(function (textarea) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = textarea.name;
        input.id = textarea.id + '-value';
        input.value = textarea.value;
        var editor = document.createElement('trix-editor');
        editor.setAttribute('input', input.id);
        editor.setAttribute('aria-label', 'Body');
        editor.className = 'trix-content';
        textarea.insertAdjacentElement('afterend', input);
        input.insertAdjacentElement('afterend', editor);
        textarea.remove();
        // Files dropped into the text are not uploaded: the featured image has its own field.
        editor.addEventListener('trix-file-accept', function (event) {
          event.preventDefault();
        });
      });
    });
  }
})();
