/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Orderline } from "@point_of_sale/app/generic_components/orderline/orderline";

// The name of the Pongo reward a line uses (see PosOrderline.getDisplayData).
Orderline.props.line.shape.pongoReward = { type: String, optional: true };
