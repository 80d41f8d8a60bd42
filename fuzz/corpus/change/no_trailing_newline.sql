	-- runway:deploy	


/*
*/
-- runway:revert