// Published token formats: a literal prefix, then a body of a known alphabet and length. The table
// is data; `prefixed.ts` does the scanning.
import { githubChecksumValid } from "./github-checksum.js";

/** Body alphabets. */
const B62 = "A-Za-z0-9";
const B64URL = "A-Za-z0-9_-";
const B64 = "A-Za-z0-9+/=";
const HEX = "0-9a-fA-F";

export interface TokenFormat {
  /** Literal, case-sensitive prefixes. */
  prefixes: readonly string[];
  /** Body alphabet as regex class content, e.g. "A-Za-z0-9_-". */
  body: string;
  min: number;
  max?: number;
  /** Report only the body (for URL-embedded secrets where the prefix is a public host/path). */
  bodyOnly?: boolean;
  /** When set, the body must match this as a whole (shape checks beyond alphabet and length). */
  shape?: RegExp;
  /**
   * A checksum the body carries. A body that verifies is reported even when it looks
   * illustrative; one that does not is judged like any other.
   */
  checksum?: (body: string) => boolean;
  /**
   * Published example keys of this format (first 16 hex digits of the SHA-256 of the whole
   * token, so the keys themselves are not repeated here): not reported.
   */
  examples?: ReadonlySet<string>;
}

/**
 * Google API keys shipped in firebase/firebase-android-sdk's sources and test fixtures (public
 * example keys, also allowlisted by gitleaks' gcp-api-key rule). Stored as SHA-256 prefixes.
 */
const FIREBASE_SDK_EXAMPLE_KEYS = new Set([
  "f56e323494a6ffc2",
  "2037abcaffb2b777",
  "3f370c9dd8225c63",
  "e4a5542bb7fd7b67",
  "a19f89ab3555eac1",
  "0b476bdf9acf2123",
  "eb540d2b6ee2a0a4",
  "37f8f09bdf12c2f2",
  "8731261cb72d8626",
  "49f777db995e8260",
  "27a9a42931dff7eb",
  "dc0fcf046c61640c",
  "4c98242dcadc8b29",
  "ea9bb1082cf95663",
  "3a8b61d0f636b007",
  "a6c814bc555ae62c",
]);

export const TOKEN_FORMATS: readonly TokenFormat[] = [
  // Cloud providers
  {
    prefixes: ["AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AROA", "AGPA", "ANPA", "ANVA", "APKA", "AIPA"],
    body: "A-Z0-9",
    min: 16,
    max: 16,
  },
  { prefixes: ["A3T"], body: "A-Z0-9", min: 17, max: 17 },
  { prefixes: ["amzn.mws."], body: "0-9a-z-", min: 36, max: 36 },
  { prefixes: ["da2-"], body: "a-z0-9", min: 26, max: 26 },
  { prefixes: ["bedrock-api-key-"], body: B64, min: 30 },
  { prefixes: ["ABSK"], body: B64, min: 100 },
  { prefixes: ["AIza"], body: B64URL, min: 35, max: 35, examples: FIREBASE_SDK_EXAMPLE_KEYS },
  { prefixes: ["ya29."], body: B64URL, min: 20 },
  { prefixes: ["GOCSPX-"], body: B64URL, min: 24 },
  { prefixes: ["1//0"], body: B64URL, min: 40 },
  { prefixes: ["LTAI"], body: B62, min: 12, max: 30 },
  { prefixes: ["dop_v1_", "doo_v1_", "dor_v1_"], body: HEX, min: 64, max: 64 },
  { prefixes: ["hvs.", "hvb.", "hvr."], body: B64URL + ".", min: 24 },
  { prefixes: ["HRKU-"], body: B64URL, min: 30 },
  // Source hosting and registries
  {
    prefixes: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    body: B64URL + ".",
    min: 30,
    max: 1024,
    checksum: githubChecksumValid,
  },
  { prefixes: ["github_pat_"], body: B62 + "_", min: 50 },
  {
    prefixes: ["glpat-", "gloas-", "gldt-", "glrt-", "glrtr-", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-"],
    body: B64URL + ".",
    min: 20,
  },
  { prefixes: ["glsoat-", "glffct-", "glwt-", "GR1348941"], body: B64URL + ".", min: 20 },
  { prefixes: ["_gitlab_session="], body: HEX, min: 32 },
  { prefixes: ["ATBB"], body: B62, min: 28 },
  { prefixes: ["BBDC-"], body: B64URL, min: 40 },
  { prefixes: ["ATATT3", "ATCTT3"], body: B64URL + "=", min: 100 },
  { prefixes: ["npm_"], body: B62, min: 36 },
  { prefixes: ["pypi-AgE"], body: B64URL, min: 50 },
  { prefixes: ["rubygems_"], body: HEX, min: 48, max: 48 },
  { prefixes: ["CLOJARS_"], body: HEX, min: 60 },
  { prefixes: ["oy2"], body: "a-z0-9", min: 43, max: 43 },
  { prefixes: ["AKCp"], body: B62, min: 60 },
  { prefixes: ["cmVmdGtuOjAx"], body: B64, min: 40 },
  { prefixes: ["dckr_pat_", "dckr_oat_"], body: B64URL, min: 20 },
  { prefixes: ["SWMTKN-1-", "SWMKEY-1-"], body: B62 + "-", min: 40 },
  // Chat, mail and collaboration
  // Slack user tokens end in a secret with letters (xoxp-<id>-<id>-<id>-<32 hex>): only digit
  // groups ("xoxp-<id>-<id>-<id>-####", the secret cut off) is a truncated token.
  {
    prefixes: ["xoxp-"],
    body: B62 + "-",
    min: 20,
    shape: /^(?=[\d-]*[A-Za-z])/,
  },
  { prefixes: ["xoxb-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xapp-"], body: B62 + "-", min: 20 },
  { prefixes: ["hooks.slack.com/services/"], body: B62 + "/_-", min: 20, bodyOnly: true },
  // Slack Workflow Builder webhooks: /workflows/<team>/<app>/<trigger id>/<secret>, /triggers/…
  {
    prefixes: ["hooks.slack.com/workflows/", "hooks.slack.com/triggers/"],
    body: B62 + "/_-",
    min: 40,
    bodyOnly: true,
    shape: /^T[A-Z0-9]{6,12}\/[A-Z0-9]{6,12}\/\d{8,20}\/[A-Za-z0-9]{20,}$/,
  },
  {
    prefixes: ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
    body: B64URL + "/",
    min: 60,
    bodyOnly: true,
  },
  { prefixes: ["SG."], body: B64URL + ".", min: 40, shape: /^[\w-]{16,}\.[\w-]{16,}$/ },
  { prefixes: ["xkeysib-"], body: B62 + "-", min: 64 },
  { prefixes: ["key-"], body: HEX, min: 32, max: 32 },
  { prefixes: ["ntn_"], body: B62, min: 40 },
  { prefixes: ["figd_"], body: B64URL, min: 40 },
  { prefixes: ["lin_api_"], body: B62, min: 40 },
  { prefixes: ["PMAK-"], body: HEX + "-", min: 59 },
  { prefixes: ["PMAT-"], body: B62, min: 26 },
  { prefixes: ["xoxe.xoxp-"], body: B62 + "-", min: 20 },
  // Payments and commerce
  { prefixes: ["sk_live_", "sk_test_", "pk_live_", "pk_test_", "rk_live_", "rk_test_"], body: B62, min: 16 },
  { prefixes: ["whsec_"], body: B62, min: 24 },
  { prefixes: ["sq0atp-", "sq0csp-"], body: B64URL, min: 22 },
  { prefixes: ["shpat_", "shpss_", "shpca_", "shppa_"], body: HEX, min: 32 },
  { prefixes: ["access_token$production$", "access_token$sandbox$"], body: B62 + "$", min: 40 },
  // AI providers
  { prefixes: ["sk-ant-"], body: B64URL, min: 40 },
  { prefixes: ["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"], body: B64URL, min: 20 },
  { prefixes: ["xai-"], body: B62, min: 70 },
  { prefixes: ["gsk_"], body: B62, min: 48 },
  { prefixes: ["pplx-"], body: B62, min: 40 },
  { prefixes: ["llx-"], body: B64URL, min: 40 },
  { prefixes: ["hf_"], body: "A-Za-z", min: 30 },
  { prefixes: ["tgp_v1_"], body: B64URL, min: 40 },
  { prefixes: ["tvly-"], body: B62 + "-", min: 32 },
  // Observability, databases and platforms
  { prefixes: ["NRAK-", "NRII-"], body: B64URL, min: 24 },
  { prefixes: ["NRJS-", "NRBR-"], body: HEX, min: 19 },
  { prefixes: ["sntrys_"], body: B64 + "_-", min: 50 },
  { prefixes: ["sntryu_"], body: HEX, min: 64, max: 64 },
  { prefixes: ["squ_", "sqp_", "sqa_"], body: HEX, min: 40 },
  { prefixes: ["sbp_"], body: "a-z0-9_", min: 40 },
  { prefixes: ["pscale_pw_", "pscale_tkn_", "pscale_oauth_"], body: B64URL + ".", min: 32 },
  // PostHog: personal (phx_), project (phc_), feature-flag secure (phs_), and the newer ph?_ kinds.
  { prefixes: ["phx_", "phs_", "phc_", "pha_", "phr_"], body: B62, min: 40 },
  { prefixes: ["cosmo_"], body: HEX, min: 32, max: 32 },
  { prefixes: ["dapi"], body: HEX, min: 32, max: 32 },
  { prefixes: ["dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."], body: B62, min: 40 },
  { prefixes: ["dt0c01."], body: "A-Z0-9.", min: 80 },
  { prefixes: ["nfp_"], body: B62, min: 36 },
  { prefixes: ["vcp_", "vci_", "vca_", "vcr_", "vck_"], body: B62, min: 40 },
  { prefixes: ["cfat_", "cfut_", "cfk_"], body: B62, min: 40 },
  { prefixes: ["glc_", "glsa_"], body: B64URL + "=", min: 32 },
  { prefixes: ["dnkey-"], body: "A-Z0-9-", min: 40 },
  { prefixes: ["ops_eyJ"], body: B64URL, min: 100 },
  { prefixes: ["AGE-SECRET-KEY-1"], body: "A-Z0-9", min: 50 },
  { prefixes: ["sl."], body: B64URL, min: 100 },
  { prefixes: ["EAA"], body: B64URL, min: 60 },
  { prefixes: ["IGQV"], body: B64URL, min: 100 },
  { prefixes: ["AAAAAAAAAAAAAAAAAAAAA"], body: B62 + "%", min: 60 },
  { prefixes: ["AC", "SK"], body: HEX, min: 32, max: 32, shape: /^(?:[0-9a-f]{32}|[0-9A-F]{32})$/ },
  // NATS nkey seeds (user, account, operator): base32.
  { prefixes: ["SU", "SA", "SO"], body: "A-Z2-7", min: 56, max: 56 },
  // Encoded headers whose decoded form is fixed: NTLM "NTLMSSP\0", Grafana '{"k":"'.
  { prefixes: ["TlRMTVNTUAA"], body: B64, min: 40 },
  { prefixes: ["eyJrIjoi"], body: B64, min: 40 },
  { prefixes: ["akab-"], body: "a-z0-9-", min: 33, max: 33 },
  // More vendor formats with a fixed prefix (lengths from the vendors' token documentation).
  { prefixes: ["sk.eyJ"], body: B64URL + ".", min: 80 }, // Mapbox secret token
  { prefixes: ["secret_"], body: B62, min: 43, max: 43, shape: /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)/ }, // Notion
  { prefixes: ["pat"], body: B62 + ".", min: 79, max: 79, shape: /^[A-Za-z0-9]{14}\.[0-9a-f]{64}$/ }, // Airtable
  { prefixes: ["pul-"], body: HEX, min: 40, max: 40 }, // Pulumi
  { prefixes: ["access-production-", "access-development-", "access-sandbox-"], body: HEX + "-", min: 36, max: 36 }, // Plaid
  { prefixes: ["shippo_live_", "shippo_test_"], body: HEX, min: 40, max: 40 },
  { prefixes: ["FLWSECK-", "FLWSECK_TEST-"], body: HEX + "-X", min: 32, max: 34 }, // Flutterwave
  { prefixes: ["aio_"], body: B62, min: 28, max: 28 }, // Adafruit IO
  { prefixes: ["CFPAT-"], body: B64URL, min: 43, max: 43 }, // Contentful
  { prefixes: ["EZAK", "EZTK"], body: B62, min: 54, max: 54 }, // EasyPost
  { prefixes: ["fio-u-"], body: B64URL + "=", min: 64, max: 64 }, // Frame.io
  { prefixes: ["fo1_"], body: B64URL, min: 43, max: 43 }, // Fly.io
  // Fly.io macaroon tokens ("FlyV1 fm2_…", comma-separated when several): msgpack under base64.
  { prefixes: ["fm1r_", "fm1a_", "fm2_"], body: B64, min: 64 },
  // 42 (Intra) API v2 application secrets.
  { prefixes: ["s-s4t2ud-", "s-s4t2af-"], body: HEX, min: 64, max: 64 },
  // 1Password account Secret Key: A3-<6>-<6>-<5>-<5>-<5>-<5> (the second group also unbroken).
  {
    prefixes: ["A3-"],
    body: "A-Z0-9-",
    min: 35,
    max: 38,
    shape: /^[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})(?:-[A-Z0-9]{5}){3}$/,
  },
  // HashiCorp Vault service tokens before Vault 1.10: "s." + 24 base62 (newer ones are hvs.).
  { prefixes: ["s."], body: B62, min: 24, max: 24, shape: /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)/ },
  {
    prefixes: ["tskey-auth-", "tskey-api-", "tskey-client-", "tskey-scim-", "tskey-webhook-"],
    body: B62 + "-",
    min: 30,
  },
  { prefixes: ["pnu_"], body: B62, min: 36, max: 36 }, // Prefect
  { prefixes: ["rdme_"], body: "a-z0-9", min: 70, max: 70 }, // ReadMe
  { prefixes: ["tk-us-"], body: B64URL, min: 48, max: 48 }, // Scalingo
  // Sourcegraph: sgp_<40 hex>, sgp_<16 hex instance id>_<40 hex>, sgp_local_<40 hex>.
  { prefixes: ["sgp_"], body: HEX + "_", min: 40, shape: /^(?:[0-9a-fA-F]{16}_)?[0-9a-fA-F]{40}$/ },
  { prefixes: ["sgp_local_"], body: HEX, min: 40, max: 40 },
  { prefixes: ["tfp_"], body: B64URL + ".", min: 59 }, // Typeform
  { prefixes: ["AQVN"], body: B64URL, min: 35, max: 38 }, // Yandex Cloud API key
  { prefixes: ["v1.0-"], body: HEX + "-", min: 150, max: 175 }, // Cloudflare Origin CA key
  { prefixes: ["duffel_live_", "duffel_test_"], body: B64URL + "=", min: 43 },
  { prefixes: ["ico-"], body: B62, min: 32, max: 32 }, // Infracost
  { prefixes: ["API-"], body: "A-Z0-9", min: 26, max: 32, shape: /^(?=.*\d)(?=.*[A-Z])/ }, // Octopus Deploy
  { prefixes: ["r8_"], body: B62, min: 37, max: 37 }, // Replicate
  { prefixes: ["lsv2_pt_", "lsv2_sk_"], body: HEX + "_", min: 43 }, // LangSmith
  { prefixes: ["pcsk_"], body: B62 + "_", min: 40 }, // Pinecone
  { prefixes: ["sb_secret_"], body: B64URL, min: 30 }, // Supabase secret key
  { prefixes: ["rnd_"], body: B62, min: 32, max: 32 }, // Render
  { prefixes: ["napi_"], body: "a-z0-9", min: 64, max: 64 }, // Neon
  { prefixes: ["api_org_"], body: "A-Za-z", min: 34, max: 34 }, // Hugging Face organisation token
  {
    prefixes: ["re_"],
    body: B62 + "_",
    min: 30,
    max: 40,
    shape: /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)[A-Za-z0-9]{8}_[A-Za-z0-9]{20,}$/,
  }, // Resend
  { prefixes: ["glc_eyJ"], body: B64URL + "=", min: 60 }, // Grafana Cloud access policy token
  { prefixes: ["sntrys_eyJ"], body: B64URL + "=", min: 60 },
  {
    prefixes: ["outlook.office.com/webhook/", "webhook.office.com/webhookb2/"],
    body: B64URL + "@/",
    min: 60,
    bodyOnly: true,
  },
  {
    prefixes: ["api.telegram.org/bot"],
    body: B64URL + ":",
    min: 40,
    max: 60,
    bodyOnly: true,
    shape: /^\d{8,10}:[\w-]{33,}$/,
  },
  // Salesforce connected-app consumer key.
  { prefixes: ["3MVG"], body: B62 + "._", min: 40 },
  // WeChat app id: "wx" + 16 hex. Short, so it must mix letters and digits and not repeat a
  // character four times in a row (a random id does so with well under 1% probability).
  {
    prefixes: ["wx"],
    body: "0-9a-f",
    min: 16,
    max: 16,
    shape: /^(?=[^a-f]*[a-f])(?=\D*\d)(?!.*(.)\1\1\1)[0-9a-f]{16}$/,
  },
];
