import { at, isAsciiLetter, isWordChar } from "./chars.js";

// Words just before a number that say what the number is.

// Street-address words: "Apt. 722 20 40", "Suite 680 36 4022" are unit and street numbers.
const ADDRESS_WORD = /\b(?:apt|apartment|suite|ste|unit|room|rm|bldg|building|floor|fl|box|no|nr)\.?\s*#?\s*$/i;

/** True when the number starting at `start` follows an address word on the same line. */
export function afterAddressWord(text: string, start: number): boolean {
  return ADDRESS_WORD.test(text.slice(Math.max(0, start - 14), start));
}

const STATE_CODES = new Set(
  (
    "AK AL AR AS AZ CA CO CT DC DE FL GA GU HI IA ID IL IN KS KY LA MA MD ME MI MN MO MP MS MT NC ND NE NH NJ NM " +
    "NV NY OH OK OR PA PR RI SC SD TN TX UT VA VI VT WA WI WV WY"
  ).split(" "),
);
// Full state names by their last word ("New Jersey", "North Dakota", "District of Columbia").
const STATE_WORDS = new Set(
  (
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho " +
    "illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi " +
    "missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio oklahoma oregon " +
    "pennsylvania island tennessee texas utah vermont virginia washington wisconsin wyoming columbia rico"
  ).split(" "),
);

/** Whether the number at `start` follows a US state code or name ("CA 94043", "Texas, 78701"). */
export function afterUsState(text: string, start: number): boolean {
  let end = start;
  while (end > 0 && start - end < 4 && " \t,.".includes(text.charAt(end - 1))) end--;
  let begin = end;
  while (begin > 0 && end - begin <= 13 && isAsciiLetter(text.charCodeAt(begin - 1))) begin--;
  const word = text.slice(begin, end);
  return !isWordChar(at(text, begin - 1)) && (STATE_CODES.has(word) || STATE_WORDS.has(word.toLowerCase()));
}

// A postal word right before the number: "ZIP 94043", "postal code: 10118".
const POSTAL_WORD = /\b(?:zip|postal|post ?code|postcode|plz|cep)(?: ?code)?\s*[:#]?\s*$/i;

/** Whether the number at `start` is a postal code by what precedes it (state or postal word). */
export function afterPostalContext(text: string, start: number): boolean {
  return afterUsState(text, start) || POSTAL_WORD.test(text.slice(Math.max(0, start - 16), start));
}

// Words that make the number a phone number ("tel", "call", "mobile", "phone number").
const PHONE_WORD =
  /\b(?:tel|telephone|phone|ph|mobile|mob|cell|cellphone|fax|call|calls|text|sms|whatsapp|contact|dial|hotline|helpline)\b[^\n\d]{0,24}$/i;

/** Whether a phone keyword precedes the number at `start` on its line (within 32 characters). */
export function afterPhoneWord(text: string, start: number): boolean {
  return PHONE_WORD.test(lineBefore(text, start, 32));
}

// Reference numbers: "invoice 2024 000123", "order no. 1234 5678 90", "account: 12 3456 7890".
const REFERENCE_WORD =
  /\b(?:invoice|inv|order|ref|reference|account|acct|a\/c|ticket|case|tracking|sku|item|receipt|transaction|txn|confirmation|serial|s\/n|part|model|policy|claim|customer|member|booking|shipment|parcel|isbn|issn|patent|batch|lot|build|release|version|ver|id)\.?(?:\s*(?:no|nr|num|number|id|code|#)\.?)?\s*[:#=]?\s*#?\s*$/i;

/** Whether a reference-number word sits right before the number at `start`. */
export function afterReferenceWord(text: string, start: number): boolean {
  return REFERENCE_WORD.test(lineBefore(text, start, 32));
}

// A street name after the number: "1234 5678 Oak Avenue", "12345 67890 Main St".
const STREET_AFTER =
  /^,?\s+(?:(?:[NSEW]\.?|North|South|East|West|Old|New)\s+)?(?:[A-Z][A-Za-z'-]*\.?\s+){0,2}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Pkwy|Parkway|Ct|Court|Pl|Place|Ter|Terrace|Hwy|Highway|Cir|Circle|Sq|Square|Trl|Trail|Loop|Row|Alley|Plaza|Crescent|Close|Strasse|Straße|Str)\b/;

/** Whether a street name follows the number ending at `end`: it is a house number. */
export function beforeStreetName(text: string, end: number): boolean {
  return STREET_AFTER.test(text.slice(end, end + 48));
}

function lineBefore(text: string, start: number, width: number): string {
  const s = text.slice(Math.max(0, start - width), start);
  const nl = s.lastIndexOf("\n");
  return nl === -1 ? s : s.slice(nl + 1);
}
