// ESLint (make lint) for every JavaScript file of the project: the checkout page (site/, a
// browser script, no build step), the sandbox's MercadoPago.js stand-in (crates/mp-sandbox/assets)
// and the browser tests (Node). Run from the repository root:
//   tests/e2e/node_modules/.bin/eslint --config tests/e2e/eslint.config.js
const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  { ignores: ['**/node_modules/**', 'target/**', '.venv*/**', 'tests/e2e/artifacts/**', 'tests/e2e/test-results/**'] },
  js.configs.recommended,
  {
    files: ['crates/mp-sandbox/assets/**/*.js', 'tests/e2e/fixtures/**/*.js'],
    // The fixtures are merchant pages that load MercadoPago.js (the global it defines).
    languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: { ...globals.browser, MercadoPago: 'readonly' } },
  },
  {
    files: ['site/**/*.js'],
    // The page's own modules (<script type="module">); MercadoPago.js is loaded at run time.
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser, MercadoPago: 'readonly' } },
    // `try { sessionStorage... } catch {}`: storage can throw (blocked cookies, private modes) and
    // the page then works without it, on purpose; a comment in each would cost the 30 KB budget.
    rules: { 'no-empty': ['error', { allowEmptyCatch: true }] },
  },
  {
    files: ['tests/e2e/**/*.js'],
    ignores: ['tests/e2e/fixtures/**'],
    // Node, plus the browser globals of the callbacks that page.evaluate runs in the page.
    languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs', globals: { ...globals.node, ...globals.browser } },
  },
  {
    // The Lighthouse runner (lighthouse.mjs): a Node ES module, as Lighthouse is one.
    files: ['tests/e2e/**/*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
  },
];
