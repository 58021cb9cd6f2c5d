import PZCommands

PZConv.main()
