// A form marked data-confirm asks before it is sent: the question is the attribute's text, in the page's language.
// (An inline onsubmit handler would not run under the site's Content-Security-Policy.)
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
