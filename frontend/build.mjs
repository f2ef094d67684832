// Copies the front-end files the service serves from /static/ (after `sass` has built the CSS).
//
// Only GOV.UK Frontend's JavaScript is taken from the package: its images (crown, crest, icons,
// favicons) and the GDS Transport font files are reserved for GOV.UK and are not copied.
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "stepchange", "static");

const files = [
  [join(govuk, "govuk-frontend.min.js"), "govuk-frontend.min.js"],
  [join(govuk, "govuk-frontend.min.js.map"), "govuk-frontend.min.js.map"],
  [join(root, "frontend", "init.mjs"), "init.mjs"],
  [join(root, "frontend", "favicon.svg"), "favicon.svg"],
];

await mkdir(out, { recursive: true });
for (const [from, name] of files) {
  await copyFile(from, join(out, name));
  console.log(`copied ${name}`);
}
