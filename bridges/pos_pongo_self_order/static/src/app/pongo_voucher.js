/* Part of pos_pongo. License LGPL-3.0 or later. */
import { roundDecimals } from "@web/core/utils/numbers";

/**
 * Unit prices of the discount lines of a Pongo voucher, by set of taxes: each set
 * of the order's lines gets the same share off, the voucher's percentage or its
 * amount over the order's total. The server computes the same when the order
 * arrives (pongo.self.order.reward._pongo_price_voucher) and its prices prevail.
 *
 * @param {Object[]} lines the order's lines, the voucher's own lines excluded
 * @param {{mode: "percent"|"amount", value: number}} voucher
 * @param {number} digits decimals of product prices
 * @returns {Map<string, {taxes: Object[], price: number}>} by the sorted tax ids
 */
export function pongoVoucherPrices(lines, voucher, digits) {
    const groups = new Map();
    let total = 0;
    for (const line of lines) {
        const taxes = [...line.tax_ids].sort((a, b) => a.id - b.id);
        const key = taxes.map((tax) => tax.id).join(",");
        const group = groups.get(key) || { taxes, base: 0 };
        group.base += line.price_unit * line.qty * (1 - (line.discount || 0) / 100);
        groups.set(key, group);
        total += line.get_price_with_tax();
    }
    const share =
        voucher.mode === "percent"
            ? Math.min(voucher.value, 100) / 100
            : total > 0
              ? Math.min(1, voucher.value / total)
              : 0;
    const prices = new Map();
    for (const [key, group] of groups) {
        const price = -roundDecimals(share * group.base, digits);
        if (price) {
            prices.set(key, { taxes: group.taxes, price });
        }
    }
    return prices;
}
