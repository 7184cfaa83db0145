/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Orderline } from "@point_of_sale/app/generic_components/orderline/orderline";
import { patch } from "@web/core/utils/patch";

// The name of the Pongo reward a line uses (see PosOrderline.getDisplayData).
patch(Orderline, {
    props: {
        ...Orderline.props,
        line: {
            ...Orderline.props.line,
            shape: {
                ...Orderline.props.line.shape,
                pongoReward: { type: String, optional: true },
            },
        },
    },
});
