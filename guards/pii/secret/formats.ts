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
}

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
  { prefixes: ["AIza"], body: B64URL, min: 35, max: 35 },
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
  { prefixes: ["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xapp-"], body: B62 + "-", min: 20 },
  { prefixes: ["hooks.slack.com/services/"], body: B62 + "/_-", min: 20, bodyOnly: true },
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
  {
    prefixes: ["tskey-auth-", "tskey-api-", "tskey-client-", "tskey-scim-", "tskey-webhook-"],
    body: B62 + "-",
    min: 30,
  },
  { prefixes: ["pnu_"], body: B62, min: 36, max: 36 }, // Prefect
  { prefixes: ["rdme_"], body: "a-z0-9", min: 70, max: 70 }, // ReadMe
  { prefixes: ["tk-us-"], body: B64URL, min: 48, max: 48 }, // Scalingo
  { prefixes: ["sgp_"], body: HEX + "_", min: 40 }, // Sourcegraph
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
