/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {
    closePanel,
    openPongoPanel,
    PANEL,
    payInCash,
    selectCustomer,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("PosPongoUnavailableTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "Pongo down: a clear, non-blocking message",
                trigger: `${PANEL} .o_pos_pongo_unavailable:contains("Rewards cannot be bought or applied")`,
            },
            {
                content: "the last known balance is shown",
                trigger: `${PANEL} .o_pos_pongo_points:contains("500")`,
            },
            {
                content: "nothing can be bought or applied",
                trigger: `${PANEL} .o_pos_pongo_balance`,
                run: () => {
                    if (document.querySelector(".o_pos_pongo_buy, .o_pos_pongo_apply")) {
                        throw new Error("buy/apply offered while Pongo is down");
                    }
                },
            },
            closePanel(),
            ProductScreen.addOrderline("Desk Pad", "1"),
            payInCash(),
        ].flat(),
});

function pendingCount() {
    const pending = window.posmodel.getPendingOrder();
    return pending.orderToCreate.length + pending.orderToUpdate.length;
}

registry.category("web_tour.tours").add("PosPongoOdooOfflineTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            {
                content: "the browser loses the network (Odoo's offline mode)",
                trigger: "body",
                run: () => window.dispatchEvent(new Event("offline")),
            },
            openPongoPanel(),
            {
                content: "offline: the panel says rewards cannot be used now",
                trigger: `${PANEL} .o_pos_pongo_unavailable:contains("Rewards cannot be bought or applied")`,
            },
            {
                content: "the last known balance is shown",
                trigger: `${PANEL} .o_pos_pongo_points:contains("500")`,
            },
            closePanel(),
            ProductScreen.addOrderline("Desk Pad", "1"),
            payInCash(),
            {
                content: "the offline receipt still shows the Pongo block",
                trigger: ".pos-receipt .o_pos_pongo_receipt_points:contains('500')",
            },
            Dialog.confirm("Continue with limited functionality"),
            ReceiptScreen.clickNextOrder(),
            {
                content: "the network is back",
                trigger: "body",
                run: () => window.dispatchEvent(new Event("online")),
            },
            ProductScreen.addOrderline("Desk Pad", "1"),
            payInCash(),
            {
                content: "every order reached the server",
                trigger: "body",
                run: async () => {
                    for (let i = 0; i < 50 && pendingCount(); i++) {
                        await new Promise((resolve) => setTimeout(resolve, 200));
                    }
                },
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoUnmappedTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            ProductScreen.addOrderline("Desk Pad", "1"),
            {
                content: "a POS without a Pongo store shows no Pongo badge nor button",
                trigger: ".product-screen .set-partner:contains('Emma Petit')",
                run: () => {
                    const found = document.querySelector(
                        ".o_pos_pongo_status, .o_pos_pongo_button",
                    );
                    if (found) {
                        throw new Error(`Pongo shows on an unmapped POS: ${found.className}`);
                    }
                },
            },
            ProductScreen.clickPartnerButton(),
            {
                content: "the customer list has no Search Pongo",
                trigger: ".modal .partner-list",
                run: () => {
                    if (document.querySelector(".o_pos_pongo_search")) {
                        throw new Error("Search Pongo shows on an unmapped POS");
                    }
                },
            },
            {
                content: "close the customer list",
                trigger: ".modal .modal-footer .btn:contains('Discard')",
                run: "click",
            },
            payInCash(),
            {
                content: "no Pongo block on the receipt",
                trigger: ".pos-receipt",
                run: () => {
                    if (document.querySelector(".o_pos_pongo_receipt")) {
                        throw new Error("Pongo block on the receipt of an unmapped POS");
                    }
                },
            },
        ].flat(),
});
