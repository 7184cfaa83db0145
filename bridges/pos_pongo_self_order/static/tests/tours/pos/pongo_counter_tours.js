/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import * as FloorScreen from "@pos_restaurant/../tests/tours/utils/floor_screen_util";
import { registry } from "@web/core/registry";
import { screenshot } from "@pos_pongo/../tests/tours/utils/screenshot";

function rewardLine(product, reward) {
    return {
        content: `${product} carries the Pongo reward ${reward}`,
        trigger: `.orderline:has(.product-name:contains("${product}")) .o_pos_pongo_reward_line:contains("${reward}")`,
    };
}

function payInCash() {
    return [
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.receiptIsThere(),
    ].flat();
}

// The cashier takes the payment of the order Emma sent from the kiosk.
registry.category("web_tour.tours").add("PongoCounterPaysKioskOrderTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            Chrome.clickMenuOption("Orders"),
            TicketScreen.selectOrder("Kiosk"),
            TicketScreen.loadSelectedOrder(),
            ProductScreen.customerIsSelected("Emma Petit"),
            rewardLine("Croissant", "Viennoiserie offerte"),
            rewardLine("Espresso", "Café offert"),
            ProductScreen.totalAmountIs("12.50"),
            screenshot("counter-kiosk-order"),
            ...payInCash(),
        ].flat(),
});

// The waiter takes the payment of table 7 once Lucas has eaten.
registry.category("web_tour.tours").add("PongoWaiterPaysTableTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            FloorScreen.clickTable("7"),
            ProductScreen.customerIsSelected("Lucas Thomas"),
            ProductScreen.totalAmountIs("1.20"),
            ...payInCash(),
        ].flat(),
});
