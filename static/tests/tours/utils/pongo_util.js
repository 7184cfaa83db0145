/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";

export { screenshot } from "@pos_pongo/../tests/tours/utils/screenshot";

export const PANEL = ".modal .o_pos_pongo_panel";

/** Pay the order with ``method`` and reach the receipt. */
export function payWith(method) {
    return [
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod(method),
        PaymentScreen.clickValidate(),
        ReceiptScreen.receiptIsThere(),
    ].flat();
}

/** Pay the order in cash and reach the receipt. */
export function payInCash() {
    return payWith("Cash");
}

export function selectCustomer(name) {
    return [ProductScreen.clickPartnerButton(), ProductScreen.clickCustomer(name)].flat();
}

export function openPongoPanel() {
    return [
        {
            content: "open the Pongo loyalty panel",
            trigger: ".product-screen .o_pos_pongo_button",
            run: "click",
        },
        {
            content: "the panel has loaded",
            trigger: `${PANEL} .o_pos_pongo_loaded`,
        },
    ];
}

export function closePanel() {
    return {
        content: "close the Pongo panel",
        trigger: `${PANEL} .modal-footer .btn-primary:contains("Close")`,
        run: "click",
    };
}

/** Apply the owned reward ``name`` from the open panel. */
export function clickApply(name) {
    return {
        content: `apply ${name}`,
        trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("${name}") .o_pos_pongo_apply:not([disabled])`,
        run: "click",
    };
}

/** Open the panel, apply the free-product reward ``name`` and pick ``product``. */
export function applyFreeProduct(name, product) {
    return [
        openPongoPanel(),
        clickApply(name),
        {
            content: `choose ${product}`,
            trigger: `.selection-item:contains('${product}')`,
            run: "click",
        },
        {
            content: `${product} is on the order for free, with the reward's name`,
            trigger: `.orderline:has(.o_pos_pongo_reward_line:contains('${name}')) .price:contains('0.00')`,
        },
        closePanel(),
    ].flat();
}

export const VOUCHER_LINE = ".orderline:has(.o_pos_pongo_reward_line:contains('Bon de 5'))";

/** Open the panel and apply the Bon de 5 € voucher. */
export function applyVoucher() {
    return [
        openPongoPanel(),
        clickApply("Bon de 5"),
        {
            content: "Odoo's coupon engine puts the discount on the order",
            trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
        },
        closePanel(),
    ].flat();
}

export function searchCustomerText(text) {
    return {
        content: `type "${text}" in the customer search`,
        trigger: ".modal-header .input-group input",
        run: `edit ${text}`,
    };
}

export function clickSearchPongo() {
    return [
        {
            content: "the typed text reached the list (debounced)",
            trigger: ".modal .search-more-button",
        },
        {
            content: "search the typed phone at Pongo",
            trigger: ".modal-header .o_pos_pongo_search",
            run: "click",
        },
    ];
}

/** Wait for ``ms`` milliseconds (calls fired and forgotten by the POS). */
export function wait(ms, why) {
    return {
        content: `wait ${ms} ms: ${why}`,
        trigger: "body",
        run: () => new Promise((resolve) => setTimeout(resolve, ms)),
    };
}

/** Wait until every order of this POS reached the server. */
export function allOrdersSynced() {
    return {
        content: "every order reached the server",
        trigger: "body",
        run: async () => {
            const pending = () => {
                const { orderToCreate, orderToUpdate } = window.posmodel.getPendingOrder();
                return orderToCreate.length + orderToUpdate.length;
            };
            for (let i = 0; i < 50 && pending(); i++) {
                await new Promise((resolve) => setTimeout(resolve, 200));
            }
            if (pending()) {
                throw new Error("orders still waiting to reach the server");
            }
        },
    };
}
