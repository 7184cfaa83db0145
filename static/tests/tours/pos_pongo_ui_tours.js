/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import * as ProductConfigurator from "@point_of_sale/../tests/tours/utils/product_configurator_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { refresh, scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import {
    applyVoucher,
    clickSearchPongo,
    closePanel,
    openPongoPanel,
    PANEL,
    payInCash,
    screenshot,
    searchCustomerText,
    selectCustomer,
    VOUCHER_LINE,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("PosPongoLoyaltyPanelTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "no Pongo button without a customer",
                trigger: ".product-screen .set-partner:not(:has(.text-action))",
                run: () => {
                    if (document.querySelector(".o_pos_pongo_button")) {
                        throw new Error("the Pongo button shows without a customer");
                    }
                },
            },
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "Emma has 500 points",
                trigger: `${PANEL} .o_pos_pongo_points:contains("500")`,
            },
            screenshot("loyalty-panel"),
            {
                content: "Café offert is affordable and highlighted",
                trigger: `${PANEL} .o_pos_pongo_reward.o_pos_pongo_affordable:contains("Café offert") .o_pos_pongo_cost:contains("50 points")`,
            },
            {
                content: "Emma owns Viennoiserie offerte, with an Apply button",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply`,
            },
            {
                content: "buy Café offert",
                trigger: `${PANEL} .o_pos_pongo_reward:contains("Café offert") .o_pos_pongo_buy`,
                run: "click",
            },
            {
                content: "the confirmation shows the cost and the balance after",
                trigger:
                    ".modal:not(.o_inactive_modal) .modal-body:contains('50 points'):contains('Balance after: 450 points')",
            },
            Dialog.confirm("Buy"),
            {
                content: "the panel shows the new balance",
                trigger: `${PANEL} .o_pos_pongo_points:contains("450")`,
            },
            {
                content: "the bought reward is owned now",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Café offert"):contains("Bought")`,
            },
            closePanel(),
            selectCustomer("Lucas Thomas"),
            openPongoPanel(),
            {
                content: "Lucas has 120 points",
                trigger: `${PANEL} .o_pos_pongo_points:contains("120")`,
            },
            {
                content: "an expensive reward shows the missing points, and no Buy button",
                trigger: `${PANEL} .o_pos_pongo_reward:not(.o_pos_pongo_affordable):contains("Visite des cuisines") .o_pos_pongo_missing:contains("180 points missing")`,
            },
            {
                content: "refresh the panel",
                trigger: `${PANEL} .o_pos_pongo_refresh`,
                run: "click",
            },
            {
                content: "still 120 points after refresh",
                trigger: `${PANEL} .o_pos_pongo_points:contains("120")`,
            },
            closePanel(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoApplyRewardTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Desk Pad", "1"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "the voucher shows its coupon code",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5") .o_pos_pongo_coupon_code`,
            },
            {
                content: "apply Viennoiserie offerte",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply`,
                run: "click",
            },
            {
                content: "two products match: Pain au chocolat is offered",
                trigger: ".selection-item:contains('Pain au chocolat')",
            },
            {
                content: "choose the croissant",
                trigger: ".selection-item:contains('Croissant')",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("Croissant", "1", "0.00"),
            closePanel(),
            {
                content: "the line names the Pongo reward",
                trigger:
                    ".orderline.selected .o_pos_pongo_reward_line:contains('Viennoiserie offerte')",
            },
            refresh(),
            {
                content: "after a reload of the POS the line still names the reward",
                trigger: ".orderline .o_pos_pongo_reward_line:contains('Viennoiserie offerte')",
            },
            openPongoPanel(),
            {
                content: "the applied reward cannot be applied twice",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply[disabled]`,
            },
            closePanel(),
            payInCash(),
            {
                content: "the receipt shows the Pongo balance",
                trigger: ".pos-receipt .o_pos_pongo_receipt_points:contains('500')",
            },
            {
                content: "the receipt says Pongo credits the points",
                trigger:
                    ".pos-receipt .o_pos_pongo_receipt:contains('Points for this order will be credited by Pongo')",
            },
            {
                content: "the receipt names the reward used",
                trigger:
                    ".pos-receipt .o_pos_pongo_receipt_reward:contains('Viennoiserie offerte')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoVoucherTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "apply the voucher on an empty order",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5") .o_pos_pongo_apply`,
                run: "click",
            },
            {
                content: "a voucher needs products first",
                trigger: ".modal-body:contains('Add the products first')",
            },
            Dialog.confirm("Ok"),
            closePanel(),
            ProductScreen.addOrderline("Menu du jour", "1"),
            applyVoucher(),
            ProductScreen.totalAmountIs("7.00"),
            openPongoPanel(),
            {
                content: "the voucher is in this order and cannot be applied twice",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5"):contains("In this order") .o_pos_pongo_apply[disabled]`,
            },
            closePanel(),
            {
                content: "select the voucher line",
                trigger: VOUCHER_LINE,
                run: "click",
            },
            Numpad.click("⌫"),
            Dialog.confirm("Yes"),
            ProductScreen.totalAmountIs("12.00"),
            {
                content: "wait for the unlock to reach Pongo",
                trigger: "body",
                run: () => new Promise((resolve) => setTimeout(resolve, 1500)),
            },
            applyVoucher(),
            ProductScreen.totalAmountIs("7.00"),
            refresh(),
            {
                content: "after a reload of the POS the voucher is still on the order",
                trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
            },
            ProductScreen.totalAmountIs("7.00"),
            ProductScreen.addOrderline("Croissant", "1"),
            {
                content: "pos_loyalty rebuilt the discount line: still the Pongo voucher",
                trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
            },
            ProductScreen.totalAmountIs("8.20"),
            screenshot("applied-voucher"),
            payInCash(),
            {
                content: "the receipt shows the discount like any coupon",
                trigger: ".pos-receipt .orderline:contains('-5.00')",
            },
            {
                content: "the receipt names the Pongo voucher once",
                trigger: ".pos-receipt .o_pos_pongo_receipt_reward:contains('Bon de 5')",
                run: () => {
                    const names = document.querySelectorAll(".o_pos_pongo_receipt_reward");
                    if (names.length !== 1) {
                        throw new Error(`${names.length} rewards on the receipt, expected 1`);
                    }
                },
            },
            screenshot("receipt"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoUnlockTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "apply Viennoiserie offerte",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply`,
                run: "click",
            },
            {
                content: "choose the pain au chocolat",
                trigger: ".selection-item:contains('Pain au chocolat')",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("Pain au chocolat", "1", "0.00"),
            closePanel(),
            Numpad.click("⌫"),
            Numpad.click("⌫"),
            ProductScreen.orderIsEmpty(),
            {
                content: "wait for the unlock to reach the server",
                trigger: "body",
                run: () => new Promise((resolve) => setTimeout(resolve, 1500)),
            },
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoEnlistTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            searchCustomerText("06 12 34 56 99"),
            clickSearchPongo(),
            {
                content: "the enlist form opens with the phone prefilled",
                trigger: ".o_pos_pongo_enlist input[name='phone']",
                run: function () {
                    const value = this.anchor.value;
                    if (value !== "+33612345699") {
                        throw new Error(`unexpected phone ${value}`);
                    }
                },
            },
            {
                content: "no consent answer is preselected",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin",
                run: () => {
                    if (
                        document.querySelector(".o_pos_pongo_enlist .o_pos_pongo_consent .active")
                    ) {
                        throw new Error("a consent answer is preselected");
                    }
                },
            },
            {
                trigger: ".o_pos_pongo_enlist input[name='first_name']",
                run: "edit Zoé",
            },
            {
                trigger: ".o_pos_pongo_enlist input[name='last_name']",
                run: "edit Durand",
            },
            {
                trigger: ".o_pos_pongo_enlist input[name='email']",
                run: "edit zoe.durand@example.com",
            },
            {
                content: "Save is disabled before any consent answer",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save[disabled]",
            },
            {
                content: "SMS consent: yes",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_yes",
                run: "click",
            },
            {
                content: "Save is still disabled with one answer",
                trigger:
                    ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_yes.active",
                run: () => {
                    if (
                        !document.querySelector(".o_pos_pongo_enlist .o_pos_pongo_save[disabled]")
                    ) {
                        throw new Error("Save is enabled with one consent unanswered");
                    }
                },
            },
            {
                content: "e-mail consent: no",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_email_optin .o_pos_pongo_no",
                run: "click",
            },
            screenshot("enlist-dialog"),
            {
                content: "Save is enabled once both are answered",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save:not([disabled])",
                run: "click",
            },
            ProductScreen.customerIsSelected("Zoé Durand"),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoEnlistErrorsTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            searchCustomerText("06 12 34 56 98"),
            clickSearchPongo(),
            {
                trigger: ".o_pos_pongo_enlist input[name='email']",
                run: "edit not-an-email",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_no",
                run: "click",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_email_optin .o_pos_pongo_no",
                run: "click",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save:not([disabled])",
                run: "click",
            },
            {
                content: "the server error shows next to the e-mail field",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_error[data-field='email']",
            },
            {
                content: "discard the enlist form",
                trigger: ".o_pos_pongo_enlist .modal-footer button:contains('Discard')",
                run: "click",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoSearchPhoneTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            searchCustomerText("06 12 34 56 03"),
            clickSearchPongo(),
            ProductScreen.customerIsSelected("Lucas Thomas"),
            {
                content: "the Pongo button shows for a customer",
                trigger: ".product-screen .o_pos_pongo_button",
            },
            ProductScreen.clickPartnerButton(),
            searchCustomerText("12"),
            clickSearchPongo(),
            {
                content: "an invalid phone gives a clear message",
                trigger: ".modal:not(.o_inactive_modal) .modal-title:contains('Pongo')",
            },
            Dialog.confirm(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoScanTour", {
    steps: () => {
        const code = new URLSearchParams(window.location.search).get("pongo_code");
        return [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("cust_doesnotexist42"),
            {
                content: "a Pongo card Pongo does not know gives a clear message",
                trigger:
                    ".modal:not(.o_inactive_modal) .modal-title:contains('Unknown Pongo card')",
            },
            Dialog.confirm(),
            scan_barcode("9999999999999"),
            {
                content: "a non-Pongo unknown code keeps Odoo's notification",
                trigger: ".o_notification:contains('Unknown Barcode')",
            },
            scan_barcode(code),
            ProductScreen.customerIsSelected("Lucas Thomas"),
        ].flat();
    },
});

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

registry.category("web_tour.tours").add("PosPongoPaidOptionsTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Lucas Thomas"),
            openPongoPanel(),
            {
                content: "apply Café offert",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Café offert") .o_pos_pongo_apply`,
                run: "click",
            },
            ProductConfigurator.pickRadio("Oat milk"),
            Dialog.confirm(),
            {
                content: "the espresso is free, the oat milk the customer chose stays paid",
                trigger:
                    ".orderline:has(.o_pos_pongo_reward_line:contains('Café offert')) .price:contains('0.50')",
            },
            closePanel(),
            ProductScreen.totalAmountIs("0.50"),
            payInCash(),
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

registry.category("web_tour.tours").add("PosPongoWebhookRefreshTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "Emma has 500 points",
                trigger: `${PANEL} .o_pos_pongo_points:contains("500")`,
            },
            {
                // Odoo's test server has no websocket (503): the tour hands the POS the
                // bus message the webhook sends, once Pongo has changed Emma.
                content: "Pongo changes Emma; the webhook's bus message reaches the POS",
                trigger: "body",
                run: async () => {
                    await new Promise((resolve) => setTimeout(resolve, 1500));
                    const partner = window.posmodel.get_order().get_partner();
                    await window.posmodel.pongoOnCustomerUpdated({ partner_id: partner.id });
                },
            },
            {
                content: "the open panel refreshed by itself",
                trigger: `${PANEL} .o_pos_pongo_points:contains("777")`,
            },
            {
                content: "the customer record in the POS has the new balance too",
                trigger: "body",
                run: () => {
                    const points = window.posmodel.get_order().get_partner().pongo_points;
                    if (points !== 777) {
                        throw new Error(`the POS still has ${points} points for Emma`);
                    }
                },
            },
            closePanel(),
        ].flat(),
});
