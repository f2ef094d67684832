// Copies the front-end files the service serves from /static/ (after `sass` has built the CSS).
//
// Only GOV.UK Frontend's JavaScript is taken from the package: its images (crown, crest, icons,
// favicons) and the GDS Transport font files are reserved for GOV.UK and are not copied.
// The API documentation at /schema is Swagger UI, from the swagger-ui-dist package, with its licence.
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const swagger = join(root, "node_modules", "swagger-ui-dist");
const out = join(root, "stepchange", "static");

const files = [
  [join(govuk, "govuk-frontend.min.js"), "govuk-frontend.min.js"],
  [join(govuk, "govuk-frontend.min.js.map"), "govuk-frontend.min.js.map"],
  [join(root, "frontend", "init.mjs"), "init.mjs"],
  [join(root, "frontend", "favicon.svg"), "favicon.svg"],
  [join(swagger, "swagger-ui-bundle.js"), "api-docs/swagger-ui-bundle.js"],
  [join(swagger, "swagger-ui.css"), "api-docs/swagger-ui.css"],
  [join(swagger, "LICENSE"), "api-docs/LICENSE"],
  [join(swagger, "NOTICE"), "api-docs/NOTICE"],
  [join(root, "frontend", "api-docs.mjs"), "api-docs/api-docs.mjs"],
  [join(root, "frontend", "api-docs.css"), "api-docs/api-docs.css"],
];

await mkdir(join(out, "api-docs"), { recursive: true });
for (const [from, name] of files) {
  await copyFile(from, join(out, name));
  console.log(`copied ${name}`);
}
