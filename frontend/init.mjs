// Starts GOV.UK Frontend's components (loaded from this origin, so no CSP nonce is needed).
import { initAll } from "./govuk-frontend.min.js";

initAll();
