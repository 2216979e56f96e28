// How numbers read everywhere netspace prints them (terminal, report, messages): one set of formatters on d3-format.
import { formatLocale } from 'd3-format';

/** d3's en-US locale but with an ASCII minus, so that terminal text, logs and CSV stay plain ASCII. */
const { format } = formatLocale({ decimal: '.', thousands: ',', grouping: [3], currency: ['$', ''], minus: '-' });
const siFormat = format('.3~s');
const countFormat = format(',d');

/**
 * A fraction as a percentage: 0.1234 -> "12.34%" (`digits` decimals); `missing` for null (an error not known yet).
 */
export function percent(x: number | null, digits = 2, missing = '–'): string {
  if (x === null || Number.isNaN(x)) return missing;
  return format(`.${digits}%`)(x);
}

/**
 * A share of a whole in whole percent, but never rounded up to 100% or down to 0% when it is not: 996 of 1,000 reads
 * "99.6%", 4 of 1,000 "0.4%" (a message that says "100% rejected" would claim nothing got through).
 */
export function share(part: number, whole: number): string {
  const p = part / whole;
  const edge = (p >= 0.995 && part < whole) || (p > 0 && p < 0.005);
  return format(edge ? '.1%' : '.0%')(p);
}

/** A count with SI suffix and 3 significant digits, trailing zeros dropped: 1_234_567 -> "1.23M", 1_200 -> "1.2k". */
export function si(x: number): string {
  return siFormat(x);
}

/** A whole count with thousands separators: 1234567 -> "1,234,567". */
export function count(x: number): string {
  return countFormat(x);
}
