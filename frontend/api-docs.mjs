// Starts Swagger UI on /schema. Everything it needs is served from this origin (the page's CSP allows
// nothing else), the OpenAPI document's address comes from the page (no inline script), and requests
// made with "Try it out" that change something carry the CSRF token the way the service's own pages do.
const root = document.getElementById("api-docs");
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function csrfToken() {
  const cookie = document.cookie.split("; ").find((row) => row.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : undefined;
}

window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  // Deep links would put a link inside each operation's expand button (nested controls, small targets).
  deepLinking: false,
  // Its highlighting colours some JSON below the contrast WCAG asks for; plain text reads well.
  syntaxHighlight: false,
  // Never ask validator.swagger.io to judge the document: no request leaves this origin.
  validatorUrl: null,
  requestInterceptor: (request) => {
    const token = csrfToken();
    if (token && !SAFE_METHODS.has((request.method || "GET").toUpperCase())) {
      request.headers["x-csrftoken"] = token;
    }
    return request;
  },
});
