/**
 * The panel's Content Security Policy, wherever it is served (the desktop
 * window's session, the headless server): only its own scripts, no eval,
 * no remote code, no plugins, no framing, no form posts.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

/** The same for the page's own <meta> tag, where browsers ignore frame-ancestors (the headers carry it). */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ')
